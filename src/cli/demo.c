#include <stdio.h>
#include "cli/commands.h"
int cmd_demo(int argc, char **argv) { (void)argc; (void)argv; fprintf(stderr, "ogas demo: not built yet\n"); return 1; }
