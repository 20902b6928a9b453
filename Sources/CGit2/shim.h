#ifndef AO_CGIT2_SHIM_H
#define AO_CGIT2_SHIM_H

/*
 * libgit2, loaded on first use.
 *
 * Linking libgit2 at build time makes the dynamic loader map it and its whole
 * dependency chain (mbedTLS, OpenSSL, krb5, libssh2, ...) at every start of
 * git-ao: about 5 ms, paid by `git ao status` and by every git hook even though
 * they never touch a git object. So this header declares nothing to link
 * against: every libgit2 function git-ao uses is reached through a trampoline
 * `ao_<name>` that resolves the real symbol with dlsym the first time it runs.
 *
 * Call `aogit_load()` (through Worktree's Git.load) before anything else: it
 * opens the library whose ABI these headers describe and checks that every
 * symbol below exists, so a trampoline never calls a null pointer.
 */

#include <git2.h>
#include <dlfcn.h>
#include <stddef.h>

static inline void *aogit_handle(void) {
    static void *handle = NULL;
    if (handle == NULL) {
        handle = dlopen("libgit2.so." LIBGIT2_SOVERSION, RTLD_NOW | RTLD_LOCAL);
    }
    return handle;
}

static inline void *aogit_symbol(const char *name) {
    void *handle = aogit_handle();
    return handle == NULL ? NULL : dlsym(handle, name);
}

/* The functions git-ao calls: X(return type, name, parameter list, argument list). */
#define AOGIT_FUNCTIONS(X) \
    X(int, git_libgit2_init, (void), ()) \
    X(int, git_libgit2_version, (int *major, int *minor, int *rev), (major, minor, rev)) \
    X(const git_error *, git_error_last, (void), ()) \
    X(void, git_error_clear, (void), ()) \
    X(int, git_repository_open_ext, (git_repository **out, const char *path, unsigned int flags, const char *ceiling_dirs), (out, path, flags, ceiling_dirs)) \
    X(int, git_repository_open, (git_repository **out, const char *path), (out, path)) \
    X(void, git_repository_free, (git_repository *repo), (repo)) \
    X(const char *, git_repository_commondir, (const git_repository *repo), (repo)) \
    X(const char *, git_repository_workdir, (const git_repository *repo), (repo)) \
    X(const char *, git_repository_path, (const git_repository *repo), (repo)) \
    X(int, git_repository_is_bare, (const git_repository *repo), (repo)) \
    X(int, git_repository_is_empty, (git_repository *repo), (repo)) \
    X(int, git_repository_head, (git_reference **out, git_repository *repo), (out, repo)) \
    X(int, git_repository_head_unborn, (git_repository *repo), (repo)) \
    X(int, git_repository_open_from_worktree, (git_repository **out, git_worktree *wt), (out, wt)) \
    X(int, git_repository_head_for_worktree, (git_reference **out, git_repository *repo, const char *name), (out, repo, name)) \
    X(int, git_reference_lookup, (git_reference **out, git_repository *repo, const char *name), (out, repo, name)) \
    X(void, git_reference_free, (git_reference *ref), (ref)) \
    X(const char *, git_reference_name, (const git_reference *ref), (ref)) \
    X(const git_oid *, git_reference_target, (const git_reference *ref), (ref)) \
    X(const char *, git_reference_symbolic_target, (const git_reference *ref), (ref)) \
    X(int, git_reference_resolve, (git_reference **out, const git_reference *ref), (out, ref)) \
    X(int, git_reference_create, (git_reference **out, git_repository *repo, const char *name, const git_oid *id, int force, const char *log_message), (out, repo, name, id, force, log_message)) \
    X(int, git_reference_delete, (git_reference *ref), (ref)) \
    X(int, git_reference_name_is_valid, (int *valid, const char *refname), (valid, refname)) \
    X(int, git_reference_name_to_id, (git_oid *out, git_repository *repo, const char *name), (out, repo, name)) \
    X(int, git_reference_iterator_glob_new, (git_reference_iterator **out, git_repository *repo, const char *glob), (out, repo, glob)) \
    X(int, git_reference_next, (git_reference **out, git_reference_iterator *iter), (out, iter)) \
    X(void, git_reference_iterator_free, (git_reference_iterator *iter), (iter)) \
    X(int, git_branch_lookup, (git_reference **out, git_repository *repo, const char *branch_name, git_branch_t branch_type), (out, repo, branch_name, branch_type)) \
    X(int, git_branch_create, (git_reference **out, git_repository *repo, const char *branch_name, const git_commit *target, int force), (out, repo, branch_name, target, force)) \
    X(int, git_branch_delete, (git_reference *branch), (branch)) \
    X(int, git_branch_set_upstream, (git_reference *branch, const char *branch_name), (branch, branch_name)) \
    X(int, git_branch_upstream_name, (git_buf *out, git_repository *repo, const char *refname), (out, repo, refname)) \
    X(int, git_branch_is_checked_out, (const git_reference *branch), (branch)) \
    X(int, git_branch_name_is_valid, (int *valid, const char *name), (valid, name)) \
    X(int, git_commit_lookup, (git_commit **commit, git_repository *repo, const git_oid *id), (commit, repo, id)) \
    X(void, git_commit_free, (git_commit *commit), (commit)) \
    X(int, git_revparse_ext, (git_object **object_out, git_reference **reference_out, git_repository *repo, const char *spec), (object_out, reference_out, repo, spec)) \
    X(void, git_object_free, (git_object *object), (object)) \
    X(const git_oid *, git_object_id, (const git_object *obj), (obj)) \
    X(int, git_object_peel, (git_object **peeled, const git_object *object, git_object_t target_type), (peeled, object, target_type)) \
    X(char *, git_oid_tostr, (char *out, size_t n, const git_oid *id), (out, n, id)) \
    X(int, git_oid_fromstr, (git_oid *out, const char *str), (out, str)) \
    X(int, git_oid_equal, (const git_oid *a, const git_oid *b), (a, b)) \
    X(int, git_remote_list, (git_strarray *out, git_repository *repo), (out, repo)) \
    X(void, git_strarray_dispose, (git_strarray *array), (array)) \
    X(void, git_buf_dispose, (git_buf *buffer), (buffer)) \
    X(int, git_worktree_list, (git_strarray *out, git_repository *repo), (out, repo)) \
    X(int, git_worktree_lookup, (git_worktree **out, git_repository *repo, const char *name), (out, repo, name)) \
    X(void, git_worktree_free, (git_worktree *wt), (wt)) \
    X(const char *, git_worktree_path, (const git_worktree *wt), (wt)) \
    X(const char *, git_worktree_name, (const git_worktree *wt), (wt)) \
    X(int, git_worktree_validate, (const git_worktree *wt), (wt)) \
    X(int, git_worktree_is_locked, (git_buf *reason, const git_worktree *wt), (reason, wt)) \
    X(int, git_worktree_add, (git_worktree **out, git_repository *repo, const char *name, const char *path, const git_worktree_add_options *opts), (out, repo, name, path, opts)) \
    X(int, git_worktree_add_options_init, (git_worktree_add_options *opts, unsigned int version), (opts, version)) \
    X(int, git_worktree_prune, (git_worktree *wt, git_worktree_prune_options *opts), (wt, opts)) \
    X(int, git_worktree_prune_options_init, (git_worktree_prune_options *opts, unsigned int version), (opts, version)) \
    X(int, git_status_list_new, (git_status_list **out, git_repository *repo, const git_status_options *opts), (out, repo, opts)) \
    X(size_t, git_status_list_entrycount, (git_status_list *statuslist), (statuslist)) \
    X(void, git_status_list_free, (git_status_list *statuslist), (statuslist)) \
    X(int, git_status_options_init, (git_status_options *opts, unsigned int version), (opts, version)) \
    X(const git_status_entry *, git_status_byindex, (git_status_list *statuslist, size_t idx), (statuslist, idx)) \
    X(int, git_graph_descendant_of, (git_repository *repo, const git_oid *commit, const git_oid *ancestor), (repo, commit, ancestor)) \
    X(int, git_graph_ahead_behind, (size_t *ahead, size_t *behind, git_repository *repo, const git_oid *local, const git_oid *upstream), (ahead, behind, repo, local, upstream)) \
    X(int, git_repository_config_snapshot, (git_config **out, git_repository *repo), (out, repo)) \
    X(int, git_config_get_string_buf, (git_buf *out, const git_config *cfg, const char *name), (out, cfg, name)) \
    X(void, git_config_free, (git_config *cfg), (cfg)) \
    X(int, git_commit_tree, (git_tree **tree_out, const git_commit *commit), (tree_out, commit)) \
    X(int, git_tree_lookup, (git_tree **out, git_repository *repo, const git_oid *id), (out, repo, id)) \
    X(void, git_tree_free, (git_tree *tree), (tree)) \
    X(size_t, git_tree_entrycount, (const git_tree *tree), (tree)) \
    X(const git_tree_entry *, git_tree_entry_byindex, (const git_tree *tree, size_t idx), (tree, idx)) \
    X(const char *, git_tree_entry_name, (const git_tree_entry *entry), (entry)) \
    X(git_object_t, git_tree_entry_type, (const git_tree_entry *entry), (entry)) \
    X(const git_oid *, git_tree_entry_id, (const git_tree_entry *entry), (entry)) \
    X(int, git_revwalk_new, (git_revwalk **out, git_repository *repo), (out, repo)) \
    X(void, git_revwalk_free, (git_revwalk *walk), (walk)) \
    X(int, git_revwalk_push, (git_revwalk *walk, const git_oid *id), (walk, id)) \
    X(int, git_revwalk_hide, (git_revwalk *walk, const git_oid *commit_id), (walk, commit_id)) \
    X(int, git_revwalk_next, (git_oid *out, git_revwalk *walk), (out, walk)) \
    X(int, git_merge_base, (git_oid *out, git_repository *repo, const git_oid *one, const git_oid *two), (out, repo, one, two)) \
    X(int, git_diff_options_init, (git_diff_options *opts, unsigned int version), (opts, version)) \
    X(int, git_diff_tree_to_workdir_with_index, (git_diff **diff, git_repository *repo, git_tree *old_tree, const git_diff_options *opts), (diff, repo, old_tree, opts)) \
    X(void, git_diff_free, (git_diff *diff), (diff)) \
    X(int, git_diff_get_stats, (git_diff_stats **out, git_diff *diff), (out, diff)) \
    X(size_t, git_diff_stats_insertions, (const git_diff_stats *stats), (stats)) \
    X(size_t, git_diff_stats_deletions, (const git_diff_stats *stats), (stats)) \
    X(void, git_diff_stats_free, (git_diff_stats *stats), (stats)) \
    X(int, git_repository_index, (git_index **out, git_repository *repo), (out, repo)) \
    X(size_t, git_index_entrycount, (const git_index *index), (index)) \
    X(const git_index_entry *, git_index_get_byindex, (git_index *index, size_t n), (index, n)) \
    X(void, git_index_free, (git_index *index), (index)) \
    X(int, git_revwalk_sorting, (git_revwalk *walk, unsigned int sort_mode), (walk, sort_mode)) \
    X(int, git_reference_create_matching, (git_reference **out, git_repository *repo, const char *name, const git_oid *id, int force, const git_oid *current_id, const char *log_message), (out, repo, name, id, force, current_id, log_message)) \
    X(int, git_cherrypick_commit, (git_index **out, git_repository *repo, git_commit *cherrypick_commit, git_commit *our_commit, unsigned int mainline, const git_merge_options *merge_options), (out, repo, cherrypick_commit, our_commit, mainline, merge_options)) \
    X(int, git_merge_commits, (git_index **out, git_repository *repo, const git_commit *our_commit, const git_commit *their_commit, const git_merge_options *opts), (out, repo, our_commit, their_commit, opts)) \
    X(int, git_index_has_conflicts, (const git_index *index), (index)) \
    X(int, git_index_write_tree_to, (git_oid *out, git_index *index, git_repository *repo), (out, index, repo)) \
    X(int, git_index_conflict_iterator_new, (git_index_conflict_iterator **iterator_out, git_index *index), (iterator_out, index)) \
    X(int, git_index_conflict_next, (const git_index_entry **ancestor_out, const git_index_entry **our_out, const git_index_entry **their_out, git_index_conflict_iterator *iterator), (ancestor_out, our_out, their_out, iterator)) \
    X(void, git_index_conflict_iterator_free, (git_index_conflict_iterator *iterator), (iterator)) \
    X(int, git_commit_create, (git_oid *id, git_repository *repo, const char *update_ref, const git_signature *author, const git_signature *committer, const char *message_encoding, const char *message, const git_tree *tree, size_t parent_count, const git_commit *parents[]), (id, repo, update_ref, author, committer, message_encoding, message, tree, parent_count, parents)) \
    X(const git_signature *, git_commit_author, (const git_commit *commit), (commit)) \
    X(const char *, git_commit_message, (const git_commit *commit), (commit)) \
    X(const char *, git_commit_message_encoding, (const git_commit *commit), (commit)) \
    X(unsigned int, git_commit_parentcount, (const git_commit *commit), (commit)) \
    X(const git_oid *, git_commit_tree_id, (const git_commit *commit), (commit)) \
    X(int, git_signature_default, (git_signature **out, git_repository *repo), (out, repo)) \
    X(int, git_signature_now, (git_signature **out, const char *name, const char *email), (out, name, email)) \
    X(void, git_signature_free, (git_signature *sig), (sig)) \
    X(int, git_checkout_tree, (git_repository *repo, const git_object *treeish, const git_checkout_options *opts), (repo, treeish, opts)) \
    X(int, git_checkout_options_init, (git_checkout_options *opts, unsigned int version), (opts, version))

#define AOGIT_TRAMPOLINE(ret, name, params, args) \
    static inline ret ao_##name params { \
        typedef ret (*aogit_fn_t) params; \
        static aogit_fn_t fn = NULL; \
        if (fn == NULL) { fn = (aogit_fn_t)aogit_symbol(#name); } \
        return fn args; \
    }
AOGIT_FUNCTIONS(AOGIT_TRAMPOLINE)
#undef AOGIT_TRAMPOLINE

/* NULL when libgit2 is loaded and complete; otherwise a sentence saying what is missing. */
static inline const char *aogit_load(void) {
    if (aogit_handle() == NULL) {
        const char *reason = dlerror();
        return reason != NULL ? reason : "libgit2.so." LIBGIT2_SOVERSION " could not be loaded";
    }
#define AOGIT_CHECK(ret, name, params, args) \
    if (aogit_symbol(#name) == NULL) { return "libgit2.so." LIBGIT2_SOVERSION " lacks " #name; }
    AOGIT_FUNCTIONS(AOGIT_CHECK)
#undef AOGIT_CHECK
    return NULL;
}

/* git_libgit2_opts is variadic, which Swift cannot call: one wrapper per shape used. */
static inline int aogit_opts_int(int option, int value) {
    int (*fn)(int, ...) = (int (*)(int, ...))aogit_symbol("git_libgit2_opts");
    return fn == NULL ? -1 : fn(option, value);
}

static inline int aogit_opts_strings(int option, const char **values, size_t count) {
    int (*fn)(int, ...) = (int (*)(int, ...))aogit_symbol("git_libgit2_opts");
    return fn == NULL ? -1 : fn(option, values, count);
}

static inline int aogit_opts_level_string(int option, int level, const char *value) {
    int (*fn)(int, ...) = (int (*)(int, ...))aogit_symbol("git_libgit2_opts");
    return fn == NULL ? -1 : fn(option, level, value);
}

#endif
