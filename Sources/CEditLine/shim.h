// libedit (readline compatibility API) for the shell's REPL, plus the SIGINT flag.
// Swift 6 strict concurrency rejects direct use of C globals, so every global the
// shell touches goes through a static inline accessor here.
#include <stdio.h>
#include <signal.h>
#include <pthread.h>
#include <string.h>
#include <stdlib.h>
#include <editline/readline.h>

/// Installs `handler` for SIGINT (no SA_RESTART, so a blocking read returns EINTR) and
/// unblocks SIGINT on the calling thread (a parent may have started us with it blocked).
/// The flag the handler sets lives in Swift (Interrupts.swift): state in this header would be
/// duplicated in every object file that inlines it.
static inline int ts_install_sigint_handler(void (*handler)(int)) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = handler;
    sigemptyset(&action.sa_mask);
    int result = sigaction(SIGINT, &action, NULL);
    sigset_t unblock;
    sigemptyset(&unblock);
    sigaddset(&unblock, SIGINT);
    pthread_sigmask(SIG_UNBLOCK, &unblock, NULL);
    return result;
}

/// Volatile access to a flag cell (so polling loops re-read it).
static inline int ts_load_flag(volatile sig_atomic_t *cell) { return *cell; }
static inline void ts_store_flag(volatile sig_atomic_t *cell, int value) { *cell = value; }

/// Ignores SIGPIPE so a tool that closes its stdin early cannot kill the shell.
static inline void ts_ignore_sigpipe(void) { signal(SIGPIPE, SIG_IGN); }


static inline void ts_rl_set_readline_name(const char *name) { rl_readline_name = name; }
static inline void ts_rl_set_attempted_completion(rl_completion_func_t *fn) {
    rl_attempted_completion_function = fn;
}
static inline void ts_rl_set_attempted_completion_over(int value) { rl_attempted_completion_over = value; }
static inline void ts_rl_set_completion_append_character(int c) { rl_completion_append_character = c; }
static inline void ts_rl_set_word_break_characters(char *chars) { rl_completer_word_break_characters = chars; }
static inline void ts_rl_set_catch_signals(int value) { rl_catch_signals = value; }
static inline const char *ts_rl_line_buffer(void) { return rl_line_buffer; }
static inline int ts_rl_point(void) { return rl_point; }
static inline void ts_rl_set_instream(FILE *f) { rl_instream = f; }
static inline void ts_rl_set_outstream(FILE *f) { rl_outstream = f; }
static inline int ts_history_length(void) { return history_length; }

#include <spawn.h>
/// glibc ≥ 2.29 exports this, but its declaration needs _GNU_SOURCE; declared here for the tool runner.
extern int posix_spawn_file_actions_addchdir_np(posix_spawn_file_actions_t *actions, const char *path);
