/* make_dirs — `mkdir -p`: create a folder and every missing parent (mode
 * 0777 minus the umask). 0 when the folder exists afterwards, else -1 with
 * errno (ENOTDIR when the path or a parent is not a folder). */
#ifndef OGAS_UTIL_MAKE_DIRS_H
#define OGAS_UTIL_MAKE_DIRS_H

int make_dirs(const char *path);

#endif
