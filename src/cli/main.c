/* ogas — command-line front end: dispatches to one subcommand. */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/study_runner.h"
#include "ogas.h"

typedef struct {
  const char *name;
  int (*run)(int argc, char **argv);
  const char *summary;
} command;

static const command commands[] = {
    {"demo", cmd_demo,
     "train the conditional DDPM on a known distribution and show what it learned"},
    {"run", cmd_run, "run one online study on a built-in PDE problem with one sampler"},
    {"compare", cmd_compare,
     "compare samplers on one study config: error statistics, report, plots"},
    {"plot", cmd_plot, "draw the breeder's plots of a run folder (generations.jsonl)"},
    {"synth", cmd_synth, "drive the breeder on a synthetic difficulty landscape"},
    {"inspect", cmd_inspect, "check a breeder checkpoint file and print what it holds"},
    {"bench", cmd_bench, "benchmarks (ogas bench ddpm|pde|surrogate --help)"},
};

static void usage(FILE *f) {
  fprintf(f,
          "ogas %d.%d.%d — Online Generative Active Sampling for online surrogate training\n\n"
          "usage: ogas COMMAND [OPTIONS]   (ogas COMMAND --help for its options)\n\ncommands:\n",
          OGAS_VERSION_MAJOR, OGAS_VERSION_MINOR, OGAS_VERSION_PATCH);
  for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
    fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
}

int main(int argc, char **argv) {
  if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
      !strcmp(argv[1], "help")) {
    usage(argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  if (!strcmp(argv[1], "--version")) {
    printf("ogas %d.%d.%d\n", OGAS_VERSION_MAJOR, OGAS_VERSION_MINOR, OGAS_VERSION_PATCH);
    return 0;
  }
  for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
    if (!strcmp(argv[1], commands[i].name)) {
      /* The studies of run and compare may spread over MPI ranks. */
      if (commands[i].run == cmd_run || commands[i].run == cmd_compare)
        return cli_mpi_main(commands[i].run, argc - 1, argv + 1);
      return commands[i].run(argc - 1, argv + 1);
    }
  fprintf(stderr, "ogas: unknown command '%s'\n\n", argv[1]);
  usage(stderr);
  return 2;
}
