/* racy_chan.c - a deliberately broken channel, kept OUT of the build: its
 * length counter is read and updated outside the lock, as a tempting "fast
 * path" would do. TSan must report the race. Build and run by hand:
 *
 *   gcc -std=c11 -D_POSIX_C_SOURCE=200809L -fsanitize=thread -g -O1 \
 *       tests/racy/racy_chan.c -o /tmp/racy_chan -lpthread && /tmp/racy_chan
 *
 * Expected: "WARNING: ThreadSanitizer: data race" naming racy_len / len. */
#include <pthread.h>
#include <stdio.h>

#define CAP 64
#define N   100000

struct racy_chan {
    pthread_mutex_t mu;
    pthread_cond_t not_empty, not_full;
    void *ring[CAP];
    size_t head, len; /* len: BUG, written under mu but read without it */
};

static struct racy_chan ch = {
    PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER, {0}, 0, 0};

/* The "fast path": peek at len without the lock. */
static size_t racy_len(void)
{
    return ch.len;
}

static void send(void *item)
{
    pthread_mutex_lock(&ch.mu);
    while (ch.len == CAP)
        pthread_cond_wait(&ch.not_full, &ch.mu);
    ch.ring[(ch.head + ch.len) % CAP] = item;
    ch.len++;
    pthread_cond_signal(&ch.not_empty);
    pthread_mutex_unlock(&ch.mu);
}

static void *recv_one(void)
{
    pthread_mutex_lock(&ch.mu);
    while (ch.len == 0)
        pthread_cond_wait(&ch.not_empty, &ch.mu);
    void *item = ch.ring[ch.head];
    ch.head = (ch.head + 1) % CAP;
    ch.len--;
    pthread_cond_signal(&ch.not_full);
    pthread_mutex_unlock(&ch.mu);
    return item;
}

static void *producer(void *arg)
{
    for (size_t i = 1; i <= N; i++)
        send((void *)i);
    return arg;
}

int main(void)
{
    pthread_t t;
    pthread_create(&t, NULL, producer, NULL);
    size_t got = 0, peeks = 0;
    while (got < N) {
        if (racy_len() > 0) /* the race: an unlocked read of len */
            peeks++;
        recv_one();
        got++;
    }
    pthread_join(t, NULL);
    printf("received %zu items (%zu unlocked peeks)\n", got, peeks);
    return 0;
}
