// libedit (readline compatibility API) for the shell's REPL, plus the SIGINT flag.
// Swift 6 strict concurrency rejects direct use of C globals, so every global the
// shell touches goes through a static inline accessor here.
#include <stdio.h>
#include <signal.h>
#include <pthread.h>
#include <string.h>
#include <stdlib.h>
#include <editline/readline.h>

/// The cell SIGINT sets; polled by generation loops and tool runs (a `const volatile int32_t *`
/// is what the engine's `forward` takes as its cancel flag).
static inline volatile sig_atomic_t *ts_interrupt_cell(void) {
    static volatile sig_atomic_t cell = 0;
    return &cell;
}

static void ts_on_sigint(int signo) {
    (void)signo;
    *ts_interrupt_cell() = 1;
}

/// Installs the SIGINT handler (no SA_RESTART, so a blocking read returns EINTR) and unblocks
/// SIGINT on the calling thread (a parent may have started us with it blocked).
static inline int ts_install_sigint_handler(void) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = ts_on_sigint;
    sigemptyset(&action.sa_mask);
    int result = sigaction(SIGINT, &action, NULL);
    sigset_t unblock;
    sigemptyset(&unblock);
    sigaddset(&unblock, SIGINT);
    pthread_sigmask(SIG_UNBLOCK, &unblock, NULL);
    return result;
}

/// Ignores SIGPIPE so a tool that closes its stdin early cannot kill the shell.
static inline void ts_ignore_sigpipe(void) { signal(SIGPIPE, SIG_IGN); }

static inline int ts_interrupted(void) { return *ts_interrupt_cell() != 0; }
static inline void ts_clear_interrupt(void) { *ts_interrupt_cell() = 0; }
static inline void ts_raise_interrupt(void) { *ts_interrupt_cell() = 1; }

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
