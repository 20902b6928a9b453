#ifndef AO_CCURL_SHIM_H
#define AO_CCURL_SHIM_H

/*
 * libcurl, loaded on first use.
 *
 * Linking libcurl makes the dynamic loader map it and its dependency chain (OpenSSL, nghttp2,
 * krb5, LDAP, libssh2, ...) at every start of git-ao: several milliseconds paid by `git ao
 * status` and by every git hook, which never talk to GitHub. So this header declares nothing
 * to link against (the headers give the types and constants only): every libcurl function
 * Forge uses is reached through a trampoline `ao_<name>` that resolves the symbol with dlsym
 * the first time it runs. Call `aocurl_load()` first: it opens libcurl.so.4 and checks that
 * every symbol exists, so a trampoline never calls a null pointer.
 *
 * libcurl's setopt/getinfo functions are variadic, which Swift cannot call: the typed
 * wrappers below are the only way Forge reaches them.
 */
#include <curl/curl.h>
#include <dlfcn.h>
#include <stddef.h>

static inline void *aocurl_handle(void) {
    static void *handle = NULL;
    if (handle == NULL) { handle = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL); }
    return handle;
}

static inline void *aocurl_symbol(const char *name) {
    void *handle = aocurl_handle();
    return handle == NULL ? NULL : dlsym(handle, name);
}

/* X(return type, name, parameter list, argument list). */
#define AOCURL_FUNCTIONS(X) \
    X(CURLcode, curl_global_init, (long flags), (flags)) \
    X(CURL *, curl_easy_init, (void), ()) \
    X(void, curl_easy_cleanup, (CURL *handle), (handle)) \
    X(const char *, curl_easy_strerror, (CURLcode code), (code)) \
    X(CURLM *, curl_multi_init, (void), ()) \
    X(CURLMcode, curl_multi_cleanup, (CURLM *multi), (multi)) \
    X(CURLMcode, curl_multi_add_handle, (CURLM *multi, CURL *easy), (multi, easy)) \
    X(CURLMcode, curl_multi_remove_handle, (CURLM *multi, CURL *easy), (multi, easy)) \
    X(CURLMcode, curl_multi_perform, (CURLM *multi, int *running), (multi, running)) \
    X(CURLMcode, curl_multi_poll, (CURLM *multi, struct curl_waitfd extra_fds[], unsigned int extra_nfds, int timeout_ms, int *numfds), \
      (multi, extra_fds, extra_nfds, timeout_ms, numfds)) \
    X(CURLMsg *, curl_multi_info_read, (CURLM *multi, int *queued), (multi, queued)) \
    X(struct curl_slist *, curl_slist_append, (struct curl_slist *list, const char *string), (list, string)) \
    X(void, curl_slist_free_all, (struct curl_slist *list), (list))

#define AOCURL_TRAMPOLINE(ret, name, params, args) \
    static inline ret ao_##name params { \
        typedef ret (*aocurl_fn_t) params; \
        static aocurl_fn_t fn = NULL; \
        if (fn == NULL) { fn = (aocurl_fn_t)aocurl_symbol(#name); } \
        return fn args; \
    }
AOCURL_FUNCTIONS(AOCURL_TRAMPOLINE)
#undef AOCURL_TRAMPOLINE

/* NULL when libcurl is loaded and complete; otherwise a sentence saying what is missing. */
static inline const char *aocurl_load(void) {
    if (aocurl_handle() == NULL) {
        const char *reason = dlerror();
        return reason != NULL ? reason : "libcurl.so.4 could not be loaded";
    }
#define AOCURL_CHECK(ret, name, params, args) \
    if (aocurl_symbol(#name) == NULL) { return "libcurl.so.4 lacks " #name; }
    AOCURL_FUNCTIONS(AOCURL_CHECK)
#undef AOCURL_CHECK
    if (aocurl_symbol("curl_easy_setopt") == NULL || aocurl_symbol("curl_easy_getinfo") == NULL
        || aocurl_symbol("curl_multi_setopt") == NULL) { return "libcurl.so.4 lacks setopt/getinfo"; }
    return NULL;
}

typedef CURLcode (*aocurl_easy_setopt_t)(CURL *, CURLoption, ...);
typedef CURLcode (*aocurl_easy_getinfo_t)(CURL *, CURLINFO, ...);
typedef CURLMcode (*aocurl_multi_setopt_t)(CURLM *, CURLMoption, ...);

static inline CURLcode ao_curl_easy_setopt_long(CURL *handle, CURLoption option, long value) {
    return ((aocurl_easy_setopt_t)aocurl_symbol("curl_easy_setopt"))(handle, option, value);
}

static inline CURLcode ao_curl_easy_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return ((aocurl_easy_setopt_t)aocurl_symbol("curl_easy_setopt"))(handle, option, value);
}

static inline CURLcode ao_curl_easy_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return ((aocurl_easy_setopt_t)aocurl_symbol("curl_easy_setopt"))(handle, option, value);
}

static inline CURLcode ao_curl_easy_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return ((aocurl_easy_setopt_t)aocurl_symbol("curl_easy_setopt"))(handle, option, value);
}

static inline CURLcode ao_curl_easy_setopt_write_callback(CURL *handle, CURLoption option, curl_write_callback value) {
    return ((aocurl_easy_setopt_t)aocurl_symbol("curl_easy_setopt"))(handle, option, value);
}

static inline CURLcode ao_curl_easy_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return ((aocurl_easy_getinfo_t)aocurl_symbol("curl_easy_getinfo"))(handle, info, value);
}

static inline CURLcode ao_curl_easy_getinfo_pointer(CURL *handle, CURLINFO info, void **value) {
    return ((aocurl_easy_getinfo_t)aocurl_symbol("curl_easy_getinfo"))(handle, info, value);
}

static inline CURLMcode ao_curl_multi_setopt_long(CURLM *handle, CURLMoption option, long value) {
    return ((aocurl_multi_setopt_t)aocurl_symbol("curl_multi_setopt"))(handle, option, value);
}

/* The easy handle and result of a finished transfer: CURLMsg's union does not import cleanly. */
static inline int ao_curl_multi_next_done(CURLM *multi, CURL **easy, CURLcode *result) {
    int queued = 0;
    CURLMsg *message;
    while ((message = ao_curl_multi_info_read(multi, &queued)) != NULL) {
        if (message->msg == CURLMSG_DONE) {
            *easy = message->easy_handle;
            *result = message->data.result;
            return 1;
        }
    }
    return 0;
}

#endif
