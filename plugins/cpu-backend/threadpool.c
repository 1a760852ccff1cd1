/* A small thread pool: workers spin briefly for the next task (forward passes issue
 * tasks microseconds apart), then sleep on a condition variable, so an idle pool
 * costs no CPU.
 *
 * A task is joined, not just started: a worker that wakes takes part only if the task is
 * still open. For tasks whose work is claimed dynamically (ts_pool_run_dynamic), the caller
 * closes the task as soon as it has finished the work itself, and waits only for the workers
 * that joined before that: on a busy machine a descheduled worker costs the caller nothing,
 * instead of a time slice per task. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include "cpu_internal.h"

/* about 0.1-0.5 ms of polling (pause ≈ 40-140 cycles) before a worker goes to sleep */
#define TS_SPIN_ROUNDS 4000
#define TS_CLOSED 0x80000000u

struct ts_pool {
    int nthreads;                 /* including the caller */
    pthread_t *threads;
    _Atomic uint32_t generation;  /* bumped once per task */
    _Atomic uint64_t state;       /* generation << 32 | closed bit | workers joined */
    _Atomic int done;             /* joined workers that finished the current task */
    _Atomic int sleepers;
    _Atomic int stop;
    uint32_t issued;              /* the caller's copy of the generation */
    ts_task_fn fn;
    void *arg;
    pthread_mutex_t mutex;
    pthread_cond_t wake;
};

typedef struct { ts_pool *pool; int index; } worker_arg;

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    _mm_pause();
#endif
}

/* Joins task `gen` if it is still the current one and open. */
static int join(ts_pool *pool, uint32_t gen) {
    uint64_t s = atomic_load(&pool->state);
    for (;;) {
        if ((uint32_t)(s >> 32) != gen || (s & TS_CLOSED)) return 0;
        if (atomic_compare_exchange_weak(&pool->state, &s, s + 1)) return 1;
    }
}

static void *worker_main(void *p) {
    worker_arg *wa = p;
    ts_pool *pool = wa->pool;
    const int index = wa->index;
    free(wa);
    uint32_t seen = 0;
    for (;;) {
        uint32_t gen = atomic_load(&pool->generation);
        for (int spin = 0; gen == seen && spin < TS_SPIN_ROUNDS && !atomic_load(&pool->stop); spin++) {
            cpu_relax();
            gen = atomic_load(&pool->generation);
        }
        if (gen == seen) {
            pthread_mutex_lock(&pool->mutex);
            atomic_fetch_add(&pool->sleepers, 1);
            while ((gen = atomic_load(&pool->generation)) == seen && !atomic_load(&pool->stop))
                pthread_cond_wait(&pool->wake, &pool->mutex);
            atomic_fetch_sub(&pool->sleepers, 1);
            pthread_mutex_unlock(&pool->mutex);
        }
        if (atomic_load(&pool->stop)) break;
        seen = gen;
        if (!join(pool, gen)) continue;
        pool->fn(pool->arg, index, pool->nthreads);
        atomic_fetch_add(&pool->done, 1);
    }
    return NULL;
}

ts_pool *ts_pool_create(int threads) {
    if (threads < 1) threads = 1;
    ts_pool *pool = calloc(1, sizeof *pool);
    if (!pool) return NULL;
    pool->nthreads = threads;
    pthread_mutex_init(&pool->mutex, NULL);
    pthread_cond_init(&pool->wake, NULL);
    if (threads > 1) {
        pool->threads = calloc((size_t)threads - 1, sizeof(pthread_t));
        if (!pool->threads) { free(pool); return NULL; }
        for (int i = 1; i < threads; i++) {
            worker_arg *wa = malloc(sizeof *wa);
            if (!wa) { pool->nthreads = i; break; }
            wa->pool = pool; wa->index = i;
            if (pthread_create(&pool->threads[i - 1], NULL, worker_main, wa) != 0) {
                free(wa); pool->nthreads = i; break;
            }
        }
    }
    return pool;
}

void ts_pool_destroy(ts_pool *pool) {
    if (!pool) return;
    pthread_mutex_lock(&pool->mutex);
    atomic_store(&pool->stop, 1);
    pthread_cond_broadcast(&pool->wake);
    pthread_mutex_unlock(&pool->mutex);
    for (int i = 1; i < pool->nthreads; i++) pthread_join(pool->threads[i - 1], NULL);
    free(pool->threads);
    pthread_mutex_destroy(&pool->mutex);
    pthread_cond_destroy(&pool->wake);
    free(pool);
}

int ts_pool_threads(const ts_pool *pool) { return pool ? pool->nthreads : 1; }

static void run(ts_pool *pool, ts_task_fn fn, void *arg, int dynamic) {
    if (!pool || pool->nthreads == 1) { fn(arg, 0, 1); return; }
    pool->fn = fn;
    pool->arg = arg;
    atomic_store(&pool->done, 0);
    const uint32_t gen = ++pool->issued;
    atomic_store(&pool->state, (uint64_t)gen << 32);
    atomic_store(&pool->generation, gen);
    if (atomic_load(&pool->sleepers) > 0) {
        pthread_mutex_lock(&pool->mutex);
        pthread_cond_broadcast(&pool->wake);
        pthread_mutex_unlock(&pool->mutex);
    }
    fn(arg, 0, pool->nthreads);
    /* static tasks need every worker's share; dynamic ones only those that joined */
    const int expected = dynamic ? (int)(atomic_fetch_or(&pool->state, TS_CLOSED) & (TS_CLOSED - 1))
                                 : pool->nthreads - 1;
    for (int spin = 0; atomic_load(&pool->done) < expected; spin++) {
        if (spin < 4096) cpu_relax();
        else sched_yield();
    }
}

void ts_pool_run(ts_pool *pool, ts_task_fn fn, void *arg) { run(pool, fn, arg, 0); }
void ts_pool_run_dynamic(ts_pool *pool, ts_task_fn fn, void *arg) { run(pool, fn, arg, 1); }
