/* ogas.h — Online Generative Active Sampling breeder (libogas).
 *
 * libogas chooses the parameters of the next simulations of an online
 * surrogate-training study. A conditional diffusion model (DDPM), trained in
 * the background on (parameters, current loss) pairs, proposes parameters
 * conditioned on high target losses; a density-ratio classifier corrects for
 * the bias of the breeder's own history; a breed-ratio schedule mixes bred and
 * space-filling children.
 *
 * Conventions
 *  - Every call that can fail returns an ogas_status; OGAS_OK is 0. Each
 *    function below lists the statuses it returns. After a failing call,
 *    ogas_errmsg(b) *on the same thread* returns a message naming the key, id
 *    or file at fault: messages are kept per thread, so calls of other
 *    threads never overwrite the one a thread is about to read.
 *  - Nothing aborts or exits inside the library. Breeders in one process do
 *    not share state, with one documented exception: model.blas_threads (off
 *    by default) sets OpenBLAS's process-wide thread count, see
 *    docs/config.md. Without it the library never changes OpenBLAS's settings.
 *  - Threads: every call on one breeder is safe from any thread, concurrently
 *    (internal mutexes serialise them; background training runs on its own
 *    weight copy and never holds them while it computes). The exception is
 *    the end of its life: ogas_breeder_free waits for the calls already
 *    inside the breeder on other threads, calls that arrive while it runs
 *    return OGAS_ESTATE, and any call after it has returned uses freed
 *    memory (as with free(3)).
 *  - Simulation ids are submitted in increasing order, as the reference
 *    breeder's last_submitted_sim_id implies: a value reported for sim k, or
 *    concretize with last_submitted_sim_id = k, tells the breeder that every
 *    id <= k has been submitted. Submitted rows are never rewritten; the
 *    highest submitted id is ogas_stats.highest_submitted_id.
 *  - Memory: the caller owns every buffer it passes in; the breeder owns
 *    itself and is released with ogas_breeder_free.
 *  - Telemetry (run_dir) never changes the status of a call: the folder is
 *    checked at creation, and later write failures are counted in
 *    ogas_stats.telemetry_failures and reported by ogas_telemetry_status.
 *  - Versions: ogas_version() is the library's version at run time;
 *    OGAS_VERSION_* the header's. The structs filled by the library start
 *    with struct_size, which the caller sets to sizeof the struct it has
 *    (OGAS_STATS_INIT, OGAS_GENERATION_INFO_INIT): the library fills at most
 *    that many bytes and stores the number it filled there, so a binding
 *    built against another version detects the mismatch instead of reading
 *    garbage. Fields are only ever appended.
 */
#ifndef OGAS_H
#define OGAS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Symbols the shared library exports (every other one is hidden). */
#if defined(__GNUC__)
#define OGAS_API __attribute__((visibility("default")))
#else
#define OGAS_API
#endif

#define OGAS_VERSION_MAJOR 0
#define OGAS_VERSION_MINOR 2
#define OGAS_VERSION_PATCH 0

typedef struct ogas_breeder ogas_breeder;

typedef enum {
  OGAS_OK = 0,
  OGAS_EINVAL,   /* bad argument or configuration */
  OGAS_ENOMEM,   /* allocation failed, or the config needs more memory than the machine has; nothing
                    changed */
  OGAS_EIO,      /* file could not be read or written */
  OGAS_ECORRUPT, /* checkpoint file is damaged or foreign */
  OGAS_ESTATE,   /* call not valid in the breeder's current state */
  OGAS_ERANGE    /* id or size out of range */
} ogas_status;

/* "MAJOR.MINOR.PATCH" of the library actually loaded. */
OGAS_API const char *ogas_version(void);
/* Short constant name of a status ("OGAS_EINVAL", ...; "OGAS_UNKNOWN"). */
OGAS_API const char *ogas_status_name(ogas_status s);

/* Create from JSON text (at most 64 MiB) or a JSON file (docs/config.md); on
   failure *out is NULL and errbuf (if errlen > 0) holds a message naming the
   offending key, line/column or file.
   OGAS_EINVAL  bad config, NULL argument, text or file above 64 MiB
   OGAS_ENOMEM  out of memory, or the tables nb_sims and nb_params call for
                exceed the machine's memory or the process's limit (the
                message names nb_sims and the bytes needed)
   OGAS_EIO     the file cannot be read (create_from_file), or run_dir cannot
                be created or its log files opened for appending */
OGAS_API ogas_status ogas_breeder_create(const char *config_json, ogas_breeder **out, char *errbuf,
                                         size_t errlen);
OGAS_API ogas_status ogas_breeder_create_from_file(const char *path, ogas_breeder **out,
                                                   char *errbuf, size_t errlen);
/* Stops the background trainer, interrupts training and waits for the calls
   other threads are making on b, then releases everything (calls arriving
   meanwhile get OGAS_ESTATE). NULL is accepted. Call it once. */
OGAS_API void ogas_breeder_free(ogas_breeder *b);
/* Message of the calling thread's last failing (or message-setting) call on
   b, or "" (never NULL). Valid until that thread's next call on b. */
OGAS_API const char *ogas_errmsg(const ogas_breeder *b);

/* 0 for NULL. */
OGAS_API size_t ogas_nb_params(const ogas_breeder *b);
OGAS_API int64_t ogas_nb_sims(const ogas_breeder *b);

/* Row sim_id of the parameter table, in physical units (out has nb_params
   entries); *is_bred (if not NULL) tells whether the DDPM proposed it.
   OGAS_EINVAL (NULL b or out), OGAS_ERANGE (id outside 0..nb_sims-1),
   OGAS_ESTATE (b is being freed). */
OGAS_API ogas_status ogas_get_parameters(ogas_breeder *b, int64_t sim_id,
                                         double *out /* nb_params */, int *is_bred);
/* Report n per-sample difficulty values (losses): value i belongs to
   simulation sim_ids[i] at time step time_steps[i] (may be NULL). Non-finite
   or negative values and ids outside 0..nb_sims-1 are counted and skipped,
   never used: the call still returns OGAS_OK and ogas_errmsg says how many.
   A value for sim k marks every id <= k as submitted (see Conventions).
   Grants the trainer its data-tied budget of training steps.
   OGAS_EINVAL (NULL b, or NULL arrays with n > 0), OGAS_ESTATE (being freed). */
OGAS_API ogas_status ogas_record_increments(ogas_breeder *b, const int64_t *sim_ids,
                                            const int64_t *time_steps, const double *values,
                                            size_t n, int64_t batch_idx);
/* Train now.
   Synchronous training (breeder.async_training false): spends `steps` DDPM
   steps on the calling thread (steps <= 0: the budget granted so far), fewer
   when the reservoir has nothing to train on.
   Background training (the default): adds `steps` (if > 0) to the
   background thread's budget and blocks until that thread has spent its
   whole budget — the steps granted by record_increments as well — or until
   nothing can be trained; the training runs on the background thread, not
   on the caller's. It returns early, with OGAS_ESTATE, when b is freed.
   OGAS_EINVAL (NULL b), OGAS_ESTATE (being freed). */
OGAS_API ogas_status ogas_train_sampler(ogas_breeder *b, int64_t steps);
/* Stage a new generation of up to max_breeding_count children (-1: every row
   not yet submitted); *n_staged (if not NULL) gets how many were staged.
   With a generation already staged and not concretized, nothing is drawn
   again: the call returns OGAS_OK with the staged generation's size (a
   retry is harmless; max_breeding_count is not re-applied, the message says
   so when it would give another size). When every row is submitted it stages
   nothing: OGAS_OK, *n_staged = 0, and the message names the highest
   submitted id and where it came from.
   OGAS_EINVAL (NULL b, max_breeding_count < -1), OGAS_ENOMEM,
   OGAS_ERANGE (the space-filling sequence is exhausted), OGAS_ESTATE
   (being freed). */
OGAS_API ogas_status ogas_next_parameters(ogas_breeder *b, int64_t max_breeding_count,
                                          size_t *n_staged);
/* Write the staged children into ids last_submitted_sim_id+1 ... (never past
   nb_sims-1) and clear the staging list; *first_id and *last_id (if not NULL)
   get the range written (both -1 when nothing was written). Marks every id
   <= last_submitted_sim_id as submitted.
   OGAS_EINVAL (NULL b), OGAS_ERANGE (last_submitted_sim_id outside
   -1..nb_sims-1), OGAS_ESTATE (children are staged but the rows they would
   go to include an id already submitted — one that reported a value or that
   an earlier concretize covered: nothing changes; or b is being freed). */
OGAS_API ogas_status ogas_concretize_resampled_parameters(ogas_breeder *b,
                                                          int64_t last_submitted_sim_id,
                                                          int64_t *first_id, int64_t *last_id);
/* --- Introspection (additions to the reference API) ------------------- */

/* Generation counter: 0 for the pre-populated table, +1 per generation staged
   (0 for NULL). */
OGAS_API int64_t ogas_current_generation(const ogas_breeder *b);
/* Breed ratio R of the last generation staged (0 before the first). */
OGAS_API double ogas_breed_ratio(const ogas_breeder *b);

/* What one generation did (telemetry). */
typedef struct {
  size_t struct_size; /* in: sizeof the caller's struct; out: bytes filled */
  int64_t generation; /* 1, 2, ... */
  double breed_ratio; /* R_g */
  int64_t n_children; /* staged */
  int64_t n_bred, n_non_bred;
  int64_t n_oob_regenerated; /* bred children drawn again for leaving the box */
  int64_t n_clipped;         /* still outside after the attempts: clipped */
  double target_mean;        /* mean target condition of the bred children */
  int64_t ddpm_steps;        /* DDPM training steps done so far */
  int64_t ddpm_steps_since_last;
  int64_t ratio_steps;           /* RatioMLP training steps done so far */
  double train_cpu_s_since_last; /* CPU seconds spent training since the last generation */
  double ddpm_loss, ratio_loss;  /* recent training losses (moving averages; NaN before any) */
  int64_t reservoir_entries;
  int64_t values_rejected;    /* rejected increments so far */
  double generate_ms;         /* wall time of this next_parameters call */
  char not_bred_reason[128];  /* why fewer than floor(R n) were bred, or "" */
  int64_t ddpm_steps_dropped; /* async: granted steps that expired unspent at this break
                                 (the trainer fell behind); always 0 in sync mode */
  /* The check before breeding (breeder.trust_min_z, docs/breeder.md): the
     simulations that started since the last generation, each scored before
     the DDPM trained on it: their mean denoising loss conditioned on a high
     (0.9-quantile) and a typical (median) condition, and the z statistic of
     the rank correlation between each simulation's condition and how much
     better the high condition explains it (breeding needs z >= trust_min_z). */
  int64_t trust_entries;
  double trust_loss_high, trust_loss_low, trust_z;
  /* The outcome check: the bred and non-bred simulations of the last two
     generations that have reported, and the z statistic of the rank test that
     bred ones score higher (breeding at the full ratio needs this z or
     trust_z >= trust_min_z; below -trust_min_z nothing is bred). */
  int64_t outcome_bred, outcome_non_bred;
  double outcome_z;
  int64_t trusted; /* 1: the check passed (or is off) and the full ratio was allowed */
} ogas_generation_info;

#define OGAS_GENERATION_INFO_INIT \
  { .struct_size = sizeof(ogas_generation_info) }

/* Telemetry of generation g. OGAS_EINVAL (NULL b or out, out->struct_size
   smaller than the first field), OGAS_ERANGE (g outside
   1..ogas_current_generation), OGAS_ESTATE (being freed). */
OGAS_API ogas_status ogas_generation_info_get(ogas_breeder *b, int64_t generation,
                                              ogas_generation_info *out);

/* Counters of the difficulty signal and training. */
typedef struct {
  size_t struct_size; /* in: sizeof the caller's struct; out: bytes filled */
  int64_t values_accepted;
  int64_t rejected_nonfinite, rejected_negative, rejected_unknown_id;
  int64_t reservoir_entries;
  int64_t ddpm_steps, ratio_steps;
  int64_t budget_pending; /* DDPM steps granted but not yet spent */
  double ddpm_loss, ratio_loss;
  double train_cpu_s;           /* CPU seconds of all training so far */
  int64_t n_staged;             /* children waiting for concretize */
  int64_t highest_submitted_id; /* -1 before any value or concretize */
  int64_t telemetry_failures;   /* writes to run_dir that failed */
} ogas_stats;

#define OGAS_STATS_INIT \
  { .struct_size = sizeof(ogas_stats) }

/* OGAS_EINVAL (NULL b or out, out->struct_size smaller than the first
   field), OGAS_ESTATE (being freed). */
OGAS_API ogas_status ogas_get_stats(ogas_breeder *b, ogas_stats *out);

/* Whether every write to run_dir so far succeeded: OGAS_OK (also without a
   run_dir), or OGAS_EIO with the first failure's message in errbuf (if
   errlen > 0); ogas_stats.telemetry_failures counts them. OGAS_EINVAL (NULL
   b), OGAS_ESTATE (being freed). */
OGAS_API ogas_status ogas_telemetry_status(ogas_breeder *b, char *errbuf, size_t errlen);

/* Keys of a reference-layout (Melissa study file) config that ogas does not
   use: how many, and the i-th key path (NULL when i is out of range). The
   strings live as long as the breeder. */
OGAS_API size_t ogas_config_ignored_count(const ogas_breeder *b);
OGAS_API const char *ogas_config_ignored_key(const ogas_breeder *b, size_t i);

/* Copy the whole parameter table: params (nb_sims x nb_params, row-major,
   physical units) and is_bred (nb_sims), either may be NULL.
   OGAS_EINVAL (NULL b), OGAS_ESTATE (being freed). */
OGAS_API ogas_status ogas_get_parameter_table(ogas_breeder *b, double *params, int *is_bred);

/* Save the complete state to path, atomically (docs/checkpoint.md): a
   temporary file beside it is written, synced and renamed over it. path may
   name nothing, a regular file, or a symbolic link to one (the link's target
   is replaced and the link kept).
   OGAS_EINVAL (NULL b, NULL or empty path), OGAS_ENOMEM, OGAS_EIO (path names
   a folder, FIFO, device, dangling link...: refused, nothing touched; or a
   write failed: the previous file is unchanged; or the folder could not be
   synced: the new file is in place), OGAS_ESTATE (being freed). */
OGAS_API ogas_status ogas_checkpoint_state(ogas_breeder *b, const char *path);
/* Restore the state saved by ogas_checkpoint_state; all or nothing.
   OGAS_EINVAL (NULL b or path; the checkpoint's config is incompatible with
   this breeder's, the message names the setting), OGAS_ENOMEM, OGAS_EIO
   (cannot be read, or not a regular file), OGAS_ECORRUPT (damaged or
   foreign), OGAS_ESTATE (being freed). */
OGAS_API ogas_status ogas_restart_from_checkpoint(ogas_breeder *b, const char *path);

#ifdef __cplusplus
}
#endif

#endif /* OGAS_H */
