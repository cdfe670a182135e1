#ifndef CQGREYLIST_CHIREDIS_SHIM_H
#define CQGREYLIST_CHIREDIS_SHIM_H
/* hiredis from Debian's libhiredis-dev: its reply reader only (read.o and what it needs). The socket is ours
 * (close-on-exec, every wait under the connection's deadline, no SIGPIPE) and commands are formatted by
 * RedisRequest (Greylist), so nothing here calls into hiredis.o: that object holds hiredis's connection code too,
 * whose getaddrinfo brings the C library's resolver, name-service switch and dlopen into the static wrapper
 * (130 KB of text, two page faults per connection). The reply objects are hiredis's redisReply, made and freed by
 * the functions below instead of hiredis.o's defaults. */
#include <hiredis/hiredis.h>
#include <stdlib.h>
#include <string.h>

/* hiredis 0.14 takes an array reply's announced length on trust: `*2000000000` makes it allocate gigabytes before a
 * single element arrives. A reader made by cqgreylist_reader_create refuses an array announcing more than its limit
 * (or a negative count) as an error at once, and remembers the count it refused. */
typedef struct cqgreylist_reader_limit {
    redisReplyObjectFunctions functions;                       /* the reply constructors below */
    int max_elements;
    long long refused;                                         /* the count refused, or -1 */
} cqgreylist_reader_limit;

/* Frees a reply and everything in it. */
static inline void cqgreylist_free_reply(void *object) {
    redisReply *reply = (redisReply *)object;
    if (reply == NULL) return;
    if (reply->element != NULL) {
        for (size_t index = 0; index < reply->elements; index++) cqgreylist_free_reply(reply->element[index]);
        free(reply->element);
    }
    free(reply->str);
    free(reply);
}

/* A new reply of the task's type, placed in its parent array if it has one; NULL if memory is short. */
static inline redisReply *cqgreylist_new_reply(const redisReadTask *task) {
    redisReply *reply = (redisReply *)calloc(1, sizeof *reply);
    if (reply == NULL) return NULL;
    reply->type = task->type;
    if (task->parent != NULL) ((redisReply *)task->parent->obj)->element[task->idx] = reply;
    return reply;
}

static inline void *cqgreylist_create_string(const redisReadTask *task, char *bytes, size_t length) {
    char *copy = (char *)malloc(length + 1);
    if (copy == NULL) return NULL;
    redisReply *reply = cqgreylist_new_reply(task);
    if (reply == NULL) { free(copy); return NULL; }
    memcpy(copy, bytes, length);
    copy[length] = 0;
    reply->str = copy;
    reply->len = length;
    return reply;
}

static inline void *cqgreylist_create_array(const redisReadTask *task, int elements) {
    cqgreylist_reader_limit *limit = (cqgreylist_reader_limit *)task->privdata;
    if (elements < 0 || elements > limit->max_elements) {
        limit->refused = elements;
        return NULL;   /* the reader stops with an error */
    }
    redisReply **element = NULL;
    if (elements > 0 && (element = (redisReply **)calloc((size_t)elements, sizeof *element)) == NULL) return NULL;
    redisReply *reply = cqgreylist_new_reply(task);
    if (reply == NULL) { free(element); return NULL; }
    reply->element = element;
    reply->elements = (size_t)elements;
    return reply;
}

static inline void *cqgreylist_create_integer(const redisReadTask *task, long long value) {
    redisReply *reply = cqgreylist_new_reply(task);
    if (reply != NULL) reply->integer = value;
    return reply;
}

/* A nil bulk string or array (`$-1`, `*-1`): its task has the type it would have had. */
static inline void *cqgreylist_create_nil(const redisReadTask *task) {
    redisReply *reply = cqgreylist_new_reply(task);
    if (reply != NULL) reply->type = REDIS_REPLY_NIL;
    return reply;
}

/* A reader whose arrays hold at most max_elements elements; NULL if memory is short. */
static inline redisReader *cqgreylist_reader_create(int max_elements) {
    /* Zeroed: a hiredis with more reply kinds than the five set here finds NULL, not garbage, for the rest. */
    cqgreylist_reader_limit *limit = (cqgreylist_reader_limit *)calloc(1, sizeof *limit);
    if (limit == NULL) return NULL;
    limit->functions.createString = cqgreylist_create_string;
    limit->functions.createArray = cqgreylist_create_array;
    limit->functions.createInteger = cqgreylist_create_integer;
    limit->functions.createNil = cqgreylist_create_nil;
    limit->functions.freeObject = cqgreylist_free_reply;
    limit->max_elements = max_elements;
    limit->refused = -1;
    redisReader *reader = redisReaderCreateWithFunctions(&limit->functions);
    if (reader == NULL) { free(limit); return NULL; }
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
