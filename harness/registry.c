#include "registry.h"

#include <string.h>

#include "lock.h"
#include "debug.h"

static const struct hb_heap_ops *find_in(const struct hb_heap_ops *const *list, const char *name)
{
    for (size_t i = 0; list[i]; i++)
        if (strcmp(list[i]->name, name) == 0)
            return list[i];
    return NULL;
}

/* Layers stack on any heap: "LAYER:HEAP" is HEAP seen through LAYER (and
   HEAP may itself be layered).  An entry serves every layer whose name
   starts with its prefix; its function returns NULL for one it does not
   know. */
static const struct {
    const char *prefix;
    const struct hb_heap_ops *(*wrap)(const char *layer, const struct hb_heap_ops *inner);
} layers[] = {
    {"locked-", hb_lock_layer},
    {"debug", hb_debug_layer},
};

static const struct hb_heap_ops *find_layered(const char *name, const char *colon)
{
    char layer[64];
    size_t n = (size_t)(colon - name);
    const struct hb_heap_ops *inner = hb_find_heap(colon + 1);
    if (!inner || n >= sizeof layer)
        return NULL;
    memcpy(layer, name, n);
    layer[n] = '\0';
    for (size_t i = 0; i < sizeof layers / sizeof layers[0]; i++)
        if (strncmp(layer, layers[i].prefix, strlen(layers[i].prefix)) == 0)
            return layers[i].wrap(layer, inner);
    return NULL;
}

const struct hb_heap_ops *hb_find_heap(const char *name)
{
    const char *colon = strchr(name, ':');
    if (colon)
        return find_layered(name, colon);
    const struct hb_heap_ops *ops = find_in(hb_registered_heaps, name);
    return ops ? ops : find_in(hb_example_heaps, name);
}

const struct hb_heap_provenance *hb_find_provenance(const struct hb_heap_ops *ops)
{
    for (size_t i = 0; hb_heap_provenances[i].ops; i++)
        if (hb_heap_provenances[i].ops == ops)
            return &hb_heap_provenances[i];
    return NULL;
}

void hb_print_heap_names(FILE *f)
{
    for (size_t i = 0; hb_registered_heaps[i]; i++)
        fprintf(f, "%s%s", i ? ", " : "", hb_registered_heaps[i]->name);
}

int hb_validate_ops(const struct hb_heap_ops *ops, char *msg, size_t msg_len)
{
    const char *why = NULL;
    if (!ops->name || !*ops->name)
        why = "no name";
    else if (!ops->create || !ops->alloc || !ops->free || !ops->stats)
        why = "create, alloc, free and stats are required";
    else if (!hb_is_pow2(ops->max_align) || ops->max_align < HB_DEFAULT_ALIGN)
        why = "max_align must be a power of two >= HB_DEFAULT_ALIGN";
    else if ((ops->caps & HB_CAP_EXPAND) && !ops->expand)
        why = "HB_CAP_EXPAND without an expand operation";
    else if ((ops->caps & HB_CAP_CONTRACT) && !ops->contract)
        why = "HB_CAP_CONTRACT without a contract operation";
    else if ((ops->caps & (HB_CAP_WALK | HB_CAP_TAGS)) && !ops->walk)
        why = "HB_CAP_WALK or HB_CAP_TAGS without a walk operation";
    else if ((ops->caps & (HB_CAP_CHECK | HB_CAP_DETECT_OVERWRITE)) && !ops->check)
        why = "HB_CAP_CHECK or HB_CAP_DETECT_OVERWRITE without a check operation";
    if (!why)
        return 0;
    snprintf(msg, msg_len, "heap '%s': %s", ops->name ? ops->name : "?", why);
    return -1;
}
