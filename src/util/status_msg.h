/* status_msg — the one way library code reports an error to a caller's
   buffer: format the message into err (when err is not NULL and errlen > 0)
   and pass the status through, so that `return status_msg(OGAS_EINVAL, err,
   errlen, "key %s ...", key);` is a whole error path. */
#ifndef OGAS_UTIL_STATUS_MSG_H
#define OGAS_UTIL_STATUS_MSG_H

#include <stddef.h>

int status_msg(int status, char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
