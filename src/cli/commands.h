/* The subcommands of the `ogas` command; each parses its own options and
   returns the process exit status (0 ok, 1 failure, 2 usage error). */
#ifndef OGAS_CLI_COMMANDS_H
#define OGAS_CLI_COMMANDS_H

int cmd_demo(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_bench_pde(int argc, char **argv); /* ogas bench pde */
int cmd_run(int argc, char **argv);
int cmd_synth(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_plot(int argc, char **argv);

#endif
