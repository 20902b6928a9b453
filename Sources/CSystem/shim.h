#ifndef AO_CSYSTEM_SHIM_H
#define AO_CSYSTEM_SHIM_H

/*
 * glibc extensions that Swift's Glibc module hides (it is built without _GNU_SOURCE).
 * All exist in glibc 2.34 and later (Debian bookworm ships 2.36).
 */
#include <sys/types.h>
#include <spawn.h>
#include <sys/ioctl.h>
#include <stdio.h>

extern int pipe2(int pipefd[2], int flags);
extern int posix_spawn_file_actions_addchdir_np(posix_spawn_file_actions_t *actions, const char *path);
extern int close_range(unsigned int first, unsigned int last, int flags);
extern int posix_spawn_file_actions_addclosefrom_np(posix_spawn_file_actions_t *actions, int from);

extern ssize_t copy_file_range(int fd_in, long long *off_in, int fd_out, long long *off_out, size_t len, unsigned int flags);

/* Shares the extents of `src` with `dst` (a reflink, FICLONE) where the filesystem can;
   ioctl is variadic, which Swift cannot call. Returns 0 or -1 with errno set. */
static inline int ao_ficlone(int dst, int src) { return ioctl(dst, 0x40049409UL /* FICLONE */, src); }

/* POSIX_SPAWN_SETSID from <spawn.h> under _GNU_SOURCE. */
static const short AO_POSIX_SPAWN_SETSID = 0x80;

/* The standard streams as functions: Swift 6 treats the C globals as shared mutable state. */
static inline FILE *ao_stdout(void) { return stdout; }
static inline FILE *ao_stderr(void) { return stderr; }

#endif
