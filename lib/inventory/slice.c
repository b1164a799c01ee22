// SPDX-License-Identifier: Apache-2.0
/*
 * ResourceSlice documents (resource.k8s.io/v1) for one node's pool: what the
 * driver would create, split at INV_SLICE_DEVICES_MAX devices per slice.
 * Shape: reference/protocols.md §5.3-5.4; pool rules: upstream.md §2.8.
 */
#include "inventory.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "json/json.h"

/* One attribute value object: {"int": 1500}, {"string": "eth0"}, ... */
static struct json *attr_value(const struct inv_attr *at)
{
	struct json *v = json_new_object();
	int ret = -EINVAL;

	if (!v)
		return NULL;
	switch (at->type) {
	case INV_STRING:
		ret = json_obj_add_str(v, "string", at->s ? at->s : "");
		break;
	case INV_INT:
		ret = json_obj_add_int(v, "int", at->i);
		break;
	case INV_BOOL:
		ret = json_obj_add_bool(v, "bool", at->b);
		break;
	case INV_VERSION:
		ret = json_obj_add_str(v, "version", at->s ? at->s : "");
		break;
	}
	if (ret < 0) {
		json_free(v);
		return NULL;
	}
	return v;
}

static int cmp_dev_name(const void *a, const void *b)
{
	const struct inv_device *x = *(const struct inv_device *const *)a;
	const struct inv_device *y = *(const struct inv_device *const *)b;

	return strcmp(x->name, y->name);
}

static struct json *device_json(const struct inv_device *d)
{
	struct json *o = json_new_object();

	if (!o)
		return NULL;
	if (json_obj_add_str(o, "name", d->name) < 0 ||
	    json_obj_add(o, "attributes", inv_device_attrs_json(d)) < 0) {
		json_free(o);
		return NULL;
	}
	return o;
}

/* One slice holding @devs[0..n). */
static struct json *slice_json(const struct inv_slice_opts *o, const char *generate_name,
			       int64_t count, const struct inv_device *const *devs, size_t n)
{
	struct json *s = json_new_object();
	struct json *meta, *spec, *pool, *arr;

	if (!s)
		return NULL;
	if (json_obj_add_str(s, "apiVersion", o->api_version) < 0 ||
	    json_obj_add_str(s, "kind", "ResourceSlice") < 0)
		goto out_free;
	meta = json_obj_add_object(s, "metadata");
	if (!meta || json_obj_add_str(meta, "generateName", generate_name) < 0)
		goto out_free;
	spec = json_obj_add_object(s, "spec");
	if (!spec || json_obj_add_str(spec, "driver", o->driver) < 0 ||
	    json_obj_add_str(spec, "nodeName", o->node) < 0)
		goto out_free;
	pool = json_obj_add_object(spec, "pool");
	if (!pool || json_obj_add_str(pool, "name", o->node) < 0 ||
	    json_obj_add_int(pool, "generation", o->generation) < 0 ||
	    json_obj_add_int(pool, "resourceSliceCount", count) < 0)
		goto out_free;
	arr = json_obj_add_array(spec, "devices");
	if (!arr)
		goto out_free;
	for (size_t i = 0; i < n; i++)
		if (json_arr_add(arr, device_json(devs[i])) < 0)
			goto out_free;
	return s;

out_free:
	json_free(s);
	return NULL;
}

struct json *inv_device_attrs_json(const struct inv_device *d)
{
	struct json *o = json_new_object();

	if (!o)
		return NULL;
	for (unsigned i = 0; i < d->n_attr; i++) {
		if (json_obj_add(o, d->attr[i].key, attr_value(&d->attr[i])) < 0) {
			json_free(o);
			return NULL;
		}
	}
	return o;
}

int inv_scan_filter(struct inv_scan *scan, const struct inv_expr *filter, struct arena *a)
{
	int errors = 0;

	if (!filter)
		return 0;
	for (size_t i = 0; i < scan->n; i++) {
		struct inv_device *d = &scan->dev[i];
		const char *why = NULL;
		int ret;

		if (d->excluded)
			continue;
		ret = inv_expr_eval(filter, d, &why, a);
		if (ret == 1)
			continue;
		if (ret == 0) {
			d->excluded = "filter: false";
			continue;
		}
		if (ret == -ENOMEM)
			return -ENOMEM;
		errors++;
		d->excluded = arena_printf(a, "filter error: %s", why ? why : strerror(-ret));
		if (!d->excluded)
			return -ENOMEM;
	}
	return errors;
}

int inv_slices_build(const struct inv_scan *scan, const struct inv_slice_opts *o, struct json **out)
{
	const struct inv_device **pub = NULL;
	struct json *arr = NULL;
	char *generate_name = NULL;
	size_t n = 0, n_slices, len;
	int ret = -EINVAL;

	if (!o || !o->node || !*o->node || !o->driver || !o->api_version || o->generation < 1)
		return -EINVAL;
	ret = -ENOMEM;
	if (scan->n) {
		pub = calloc(scan->n, sizeof(*pub));
		if (!pub)
			goto out;
	}
	for (size_t i = 0; i < scan->n; i++)
		if (!scan->dev[i].excluded)
			pub[n++] = &scan->dev[i];
	/* Name order, whatever order the scan has: same inventory, same documents. */
	if (n > 1)
		qsort(pub, n, sizeof(*pub), cmp_dev_name);
	/*
	 * An empty pool is still one slice with no devices: upstream hands the
	 * resourceslice controller one slice per pool whatever it holds, and
	 * the controller writes it as it is (resourceSliceCount must be > 0).
	 */
	n_slices = n ? (n + INV_SLICE_DEVICES_MAX - 1) / INV_SLICE_DEVICES_MAX : 1;
	len = strlen(o->node) + strlen(o->driver) + 3;
	generate_name = malloc(len);
	if (!generate_name)
		goto out;
	snprintf(generate_name, len, "%s-%s-", o->node, o->driver);
	arr = json_new_array();
	if (!arr)
		goto out;
	for (size_t s = 0; s < n_slices; s++) {
		size_t first = s * INV_SLICE_DEVICES_MAX;
		size_t cnt = n - first < INV_SLICE_DEVICES_MAX ? n - first : INV_SLICE_DEVICES_MAX;

		if (json_arr_add(arr, slice_json(o, generate_name, (int64_t)n_slices,
						 pub ? pub + first : NULL, cnt)) < 0)
			goto out;
	}
	*out = arr;
	arr = NULL;
	ret = 0;
out:
	json_free(arr);
	free(generate_name);
	free(pub);
	return ret;
}
