#ifndef AO_CSYSTEM_SHIM_H
#define AO_CSYSTEM_SHIM_H

/*
 * glibc extensions that Swift's Glibc module hides (it is built without _GNU_SOURCE).
 * All exist in glibc 2.34 and later (Debian bookworm ships 2.36).
 */
#include <spawn.h>
#include <sys/ioctl.h>
#include <stdio.h>

extern int pipe2(int pipefd[2], int flags);
extern int posix_spawn_file_actions_addchdir_np(posix_spawn_file_actions_t *actions, const char *path);
extern int close_range(unsigned int first, unsigned int last, int flags);
extern int posix_spawn_file_actions_addclosefrom_np(posix_spawn_file_actions_t *actions, int from);

/* POSIX_SPAWN_SETSID from <spawn.h> under _GNU_SOURCE. */
static const short AO_POSIX_SPAWN_SETSID = 0x80;

/* The standard streams as functions: Swift 6 treats the C globals as shared mutable state. */
static inline FILE *ao_stdout(void) { return stdout; }
static inline FILE *ao_stderr(void) { return stderr; }

#endif
