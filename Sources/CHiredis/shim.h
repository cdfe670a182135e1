#ifndef CQGREYLIST_CHIREDIS_SHIM_H
#define CQGREYLIST_CHIREDIS_SHIM_H
/* hiredis from Debian's libhiredis-dev: its command formatter and reply reader only. The socket is ours (close-on-exec,
 * every wait under the connection's deadline, no SIGPIPE), so the library's connection functions are not used. */
#include <hiredis/hiredis.h>
#include <stdlib.h>

/* hiredis 0.14 takes an array reply's announced length on trust: `*2000000000` makes it allocate gigabytes before a
 * single element arrives. A reader made by cqgreylist_reader_create refuses an array announcing more than its limit
 * (or a negative count) as an error at once, and remembers the count it refused. */
typedef struct cqgreylist_reader_limit {
    redisReplyObjectFunctions functions;                       /* hiredis's own, with createArray checked */
    void *(*create_array)(const redisReadTask *, int);         /* hiredis's own createArray */
    int max_elements;
    long long refused;                                         /* the count refused, or -1 */
} cqgreylist_reader_limit;

static inline void *cqgreylist_create_limited_array(const redisReadTask *task, int elements) {
    cqgreylist_reader_limit *limit = (cqgreylist_reader_limit *)task->privdata;
    if (elements < 0 || elements > limit->max_elements) {
        limit->refused = elements;
        return NULL;   /* the reader stops with an error */
    }
    return limit->create_array(task, elements);
}

/* A reader whose arrays hold at most max_elements elements; NULL if memory is short. */
static inline redisReader *cqgreylist_reader_create(int max_elements) {
    redisReader *reader = redisReaderCreate();
    cqgreylist_reader_limit *limit = (cqgreylist_reader_limit *)malloc(sizeof *limit);
    if (reader == NULL || limit == NULL) {
        if (reader != NULL) redisReaderFree(reader);
        free(limit);
        return NULL;
    }
    limit->functions = *reader->fn;
    limit->create_array = reader->fn->createArray;
    limit->functions.createArray = cqgreylist_create_limited_array;
    limit->max_elements = max_elements;
    limit->refused = -1;
    reader->fn = &limit->functions;
    reader->privdata = limit;
    return reader;
}

/* The array count the reader refused, or -1 if it refused none. */
static inline long long cqgreylist_reader_refused(const redisReader *reader) {
    return ((const cqgreylist_reader_limit *)reader->privdata)->refused;
}

/* Frees a reader made by cqgreylist_reader_create. */
static inline void cqgreylist_reader_free(redisReader *reader) {
    void *limit = reader->privdata;
    redisReaderFree(reader);
    free(limit);
}

#endif
