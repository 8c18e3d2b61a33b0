/* Writing a whole file so that a reader sees the old or the new one,
 * never a part (node_exporter's textfile collector, a report reader). */
#ifndef SS_ATOMIC_FILE_H
#define SS_ATOMIC_FILE_H

/* Writes text to path: a temporary file in the same folder (rename is
 * atomic only within one file system), fsync, the mode a new file gets
 * under the umask, rename.  what names the file in messages ("report").
 * Logs and returns <0 on failure, leaving no temporary file behind. */
int ss_write_file_atomic(const char *path, const char *text, const char *what);

#endif
