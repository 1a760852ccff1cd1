/* A small thread pool: workers spin briefly for the next task (forward passes issue
 * tasks microseconds apart), then sleep on a condition variable, so an idle pool
 * costs no CPU. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include "cpu_internal.h"

/* about 0.1-0.5 ms of polling (pause ≈ 40-140 cycles) before a worker goes to sleep */
#define TS_SPIN_ROUNDS 4000

struct ts_pool {
    int nthreads;                 /* including the caller */
    pthread_t *threads;
    _Atomic uint32_t generation;  /* bumped once per task */
    _Atomic int pending;          /* workers still running the current task */
    _Atomic int sleepers;
    _Atomic int stop;
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
        pool->fn(pool->arg, index, pool->nthreads);
        atomic_fetch_sub(&pool->pending, 1);
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

void ts_pool_run(ts_pool *pool, ts_task_fn fn, void *arg) {
    if (!pool || pool->nthreads == 1) { fn(arg, 0, 1); return; }
    pool->fn = fn;
    pool->arg = arg;
    atomic_store(&pool->pending, pool->nthreads - 1);
    atomic_fetch_add(&pool->generation, 1);
    if (atomic_load(&pool->sleepers) > 0) {
        pthread_mutex_lock(&pool->mutex);
        pthread_cond_broadcast(&pool->wake);
        pthread_mutex_unlock(&pool->mutex);
    }
    fn(arg, 0, pool->nthreads);
    for (int spin = 0; atomic_load(&pool->pending) > 0; spin++) {
        if (spin < 4096) cpu_relax();
        else sched_yield();
    }
}
