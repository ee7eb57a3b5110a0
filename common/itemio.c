/*
 * itemio.c: ItemReader and ResultWriter on local files; see itemio.h.
 */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "itemio.h"
#include "rfc3339.h"
#include "sbuf.h"
#include "xalloc.h"

static const char *
str(jv o, const char *k, jv *hold)
{
	*hold = jv_object_get(jv_copy(o), jv_string(k));
	return jv_get_kind(*hold) == JV_KIND_STRING ?
	    jv_string_value(*hold) : NULL;
}

static jv
fail(const char *fmt, const char *a, const char *b)
{
	char *m = xasprintf(fmt, a, b);
	jv r = jv_invalid_with_msg(jv_string(m));

	free(m);
	return r;
}

/* A safe key: relative, no "..", no empty parts. */
static int
key_ok(const char *k)
{
	const char *p;

	if (*k == '\0' || *k == '/')
		return 0;
	for (p = k; *p != '\0'; p = p[strcspn(p, "/")] == '/' ?
	    p + strcspn(p, "/") + 1 : p + strlen(p))
		if (strncmp(p, "..", 2) == 0 && (p[2] == '/' || p[2] == '\0'))
			return 0;
	return 1;
}

/* One CSV record from *p: fields appended to ROW; 0 at the end. */
static int
csv_record(const char **p, const char *end, char delim, jv *row)
{
	struct sbuf f = SBUF_INIT;
	const char *s = *p;
	int quoted;

	if (s >= end)
		return 0;
	*row = jv_array();
	for (;;) {
		sbuf_reset(&f);
		quoted = 0;
		if (s < end && *s == '"') {
			quoted = 1;
			for (s++; s < end; s++) {
				if (*s == '"') {
					if (s + 1 < end && s[1] == '"') {
						sbuf_addc(&f, '"');
						s++;
						continue;
					}
					s++;
					break;
				}
				sbuf_addc(&f, *s);
			}
		}
		while (s < end && *s != delim && *s != '\n' && *s != '\r') {
			if (!quoted)
				sbuf_addc(&f, *s);
			s++;
		}
		sbuf_grow(&f, 0);
		*row = jv_array_append(*row, jv_string_sized(f.buf,
		    (int)f.len));
		if (s < end && *s == delim) {
			s++;
			continue;
		}
		if (s < end && *s == '\r')
			s++;
		if (s < end && *s == '\n')
			s++;
		break;
	}
	sbuf_free(&f);
	*p = s;
	return 1;
}

static jv
read_csv(const struct sbuf *b, jv config, long max)
{
	const char *p = b->buf, *end = b->buf + b->len;
	jv hold, headers = jv_invalid(), row, items = jv_array();
	const char *loc = str(config, "CSVHeaderLocation", &hold);
	const char *dl;
	char delim = ',';
	int i, n;

	if (loc != NULL && strcmp(loc, "GIVEN") == 0)
		headers = jv_object_get(jv_copy(config),
		    jv_string("CSVHeaders"));
	jv_free(hold);
	dl = str(config, "CSVDelimiter", &hold);
	if (dl != NULL)
		delim = strcmp(dl, "PIPE") == 0 ? '|' :
		    strcmp(dl, "SEMICOLON") == 0 ? ';' :
		    strcmp(dl, "SPACE") == 0 ? ' ' :
		    strcmp(dl, "TAB") == 0 ? '\t' : ',';
	jv_free(hold);
	if (!jv_is_valid(headers)) {
		jv_free(headers);
		if (!csv_record(&p, end, delim, &headers)) {
			jv_free(items);
			return jv_invalid_with_msg(jv_string("the CSV file "
			    "has no header row"));
		}
	}
	while ((max == 0 || jv_array_length(jv_copy(items)) < max) &&
	    csv_record(&p, end, delim, &row)) {
		jv o = jv_object();

		n = jv_array_length(jv_copy(row));
		for (i = 0; i < n; i++) {
			jv k = jv_array_get(jv_copy(headers), i);

			if (jv_get_kind(k) != JV_KIND_STRING) {
				jv_free(k);
				k = jv_string_fmt("%d", i);
			}
			o = jv_object_set(o, k, jv_array_get(jv_copy(row),
			    i));
		}
		jv_free(row);
		items = jv_array_append(items, o);
	}
	jv_free(headers);
	return items;
}

/* Files under a bucket, for listObjectsV2 (nftw has no user pointer). */
static struct {
	size_t	 root;		/* length of "DIR/BUCKET/" */
	const char *prefix;
	jv	 items;
} walk;

static int
visit(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	char ts[RFC3339_BUFSZ];
	const char *key = path + walk.root;

	(void)ftw;
	if (type != FTW_F || strncmp(key, walk.prefix, strlen(walk.prefix)))
		return 0;
	rfc3339_fmt_s((int64_t)st->st_mtime * 1000, ts);
	walk.items = jv_array_append(walk.items, JV_OBJECT(
	    jv_string("Etag"), jv_string_fmt("\"%llx-%llx\"",
	    (unsigned long long)st->st_ino, (unsigned long long)st->st_size),
	    jv_string("Key"), jv_string(key),
	    jv_string("LastModified"), jv_string(ts),
	    jv_string("Size"), jv_number((double)st->st_size),
	    jv_string("StorageClass"), jv_string("STANDARD")));
	return 0;
}

static int
by_key(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static jv
list_objects(const char *dir, const char *bucket, const char *prefix,
    long max)
{
	char *root = xasprintf("%s/%s/", dir, bucket), **keys;
	jv sorted = jv_array();
	int i, n, j;

	walk.root = strlen(root);
	walk.prefix = prefix;
	walk.items = jv_array();
	if (nftw(root, visit, 16, FTW_PHYS) != 0) {
		jv r = fail("cannot list bucket directory %s: %s", root,
		    strerror(errno));

		free(root);
		jv_free(walk.items);
		return r;
	}
	free(root);
	n = jv_array_length(jv_copy(walk.items));
	keys = xcalloc((size_t)n + 1, sizeof(*keys));
	for (i = 0; i < n; i++) {
		jv k = jv_getpath(jv_copy(walk.items), JV_ARRAY(jv_number(i),
		    jv_string("Key")));

		keys[i] = xasprintf("%s%c%d", jv_string_value(k), '\0', i);
		jv_free(k);
	}
	qsort(keys, (size_t)n, sizeof(*keys), by_key);
	for (i = 0; i < n && (max == 0 || i < max); i++) {
		j = atoi(keys[i] + strlen(keys[i]) + 1);
		sorted = jv_array_append(sorted, jv_array_get(
		    jv_copy(walk.items), j));
	}
	for (i = 0; i < n; i++)
		free(keys[i]);
	free(keys);
	jv_free(walk.items);
	return sorted;
}

jv
itemio_read(const char *dir, const char *resource, jv params, jv config,
    long max)
{
	struct sbuf b = SBUF_INIT;
	const char *bucket, *key, *type = NULL, *p, *end, *nl;
	jv hb, hk, ht = jv_invalid(), items, v;
	char *path;

	bucket = str(params, "Bucket", &hb);
	if (bucket == NULL || !key_ok(bucket) || strchr(bucket, '/')) {
		jv_free(hb);
		return fail("Parameters.Bucket must name a bucket%s%s", "",
		    "");
	}
	if (strcmp(resource, ITEMIO_LIST) == 0) {
		key = str(params, "Prefix", &hk);
		items = list_objects(dir, bucket, key != NULL ? key : "", max);
		jv_free(hb);
		jv_free(hk);
		return items;
	}
	key = str(params, "Key", &hk);
	if (key == NULL || !key_ok(key)) {
		jv_free(hb);
		jv_free(hk);
		return fail("Parameters.Key must name an object%s%s", "", "");
	}
	path = xasprintf("%s/%s/%s", dir, bucket, key);
	jv_free(hb);
	jv_free(hk);
	if (sbuf_read_file(&b, path) != 0) {
		items = fail("cannot read %s: %s", path, strerror(errno));
		free(path);
		sbuf_free(&b);
		return items;
	}
	if (jv_get_kind(config) == JV_KIND_OBJECT)
		type = str(config, "InputType", &ht);
	if (type != NULL && strcmp(type, "CSV") == 0)
		items = read_csv(&b, config, max);
	else if (type != NULL && strcmp(type, "JSONL") == 0) {
		items = jv_array();
		for (p = b.buf, end = b.buf + b.len; p < end &&
		    (max == 0 || jv_array_length(jv_copy(items)) < max);
		    p = nl + 1) {
			if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
				nl = end;
			if (nl == p)
				continue;
			v = jv_parse_sized(p, (int)(nl - p));
			if (!jv_is_valid(v)) {
				jv_free(v);
				jv_free(items);
				items = fail("%s: a line is not JSON%s", path,
				    "");
				break;
			}
			items = jv_array_append(items, v);
		}
	} else {
		items = jv_parse_sized(b.buf, (int)b.len);
		if (jv_get_kind(items) != JV_KIND_ARRAY) {
			jv_free(items);
			items = fail("%s: the object is not a JSON array%s",
			    path, "");
		} else if (max > 0 && jv_array_length(jv_copy(items)) > max)
			items = jv_array_slice(items, 0, (int)max);
	}
	jv_free(ht);
	free(path);
	sbuf_free(&b);
	return items;
}

static int
mkdirs(char *path)
{
	char *p;

	for (p = path + 1; *p != '\0'; p++)
		if (*p == '/') {
			*p = '\0';
			if (mkdir(path, 0777) != 0 && errno != EEXIST) {
				*p = '/';
				return -1;
			}
			*p = '/';
		}
	return mkdir(path, 0777) != 0 && errno != EEXIST ? -1 : 0;
}

static int
put(const char *path, jv v, size_t *size)
{
	jv text = jv_dump_string(v, 0);
	FILE *fp;
	int r = 0;

	*size = (size_t)jv_string_length_bytes(jv_copy(text));
	if ((fp = fopen(path, "w")) == NULL)
		r = -1;
	else {
		if (fwrite(jv_string_value(text), 1, *size, fp) != *size)
			r = -1;
		if (fclose(fp) != 0)
			r = -1;
	}
	jv_free(text);
	return r;
}

jv
itemio_write(const char *dir, jv params, const char *run_arn,
    const char *run_id, jv succeeded, jv failed)
{
	const char *bucket, *prefix;
	char *base, *key, *path;
	jv hb, hp, files = jv_object(), r = jv_invalid();
	size_t size;
	int i;
	static const char *const kinds[] = { "SUCCEEDED", "FAILED" };

	bucket = str(params, "Bucket", &hb);
	prefix = str(params, "Prefix", &hp);
	if (bucket == NULL || !key_ok(bucket) || strchr(bucket, '/') ||
	    (prefix != NULL && *prefix != '\0' && !key_ok(prefix))) {
		jv_free(hb);
		jv_free(hp);
		jv_free(files);
		return fail("Parameters.Bucket and Prefix must name a "
		    "place%s%s", "", "");
	}
	key = prefix != NULL && *prefix != '\0' ? xasprintf("%s%s%s",
	    prefix, prefix[strlen(prefix) - 1] == '/' ? "" : "/", run_id) :
	    xstrdup(run_id);
	base = xasprintf("%s/%s/%s", dir, bucket, key);
	if (mkdirs(base) != 0) {
		r = fail("cannot create %s: %s", base, strerror(errno));
		goto out;
	}
	for (i = 0; i < 2; i++) {
		jv list = i == 0 ? succeeded : failed;
		char *k;

		if (jv_array_length(jv_copy(list)) == 0) {
			files = jv_object_set(files, jv_string(kinds[i]),
			    jv_array());
			continue;
		}
		path = xasprintf("%s/%s_0.json", base, kinds[i]);
		k = xasprintf("%s/%s_0.json", key, kinds[i]);
		if (put(path, jv_copy(list), &size) != 0) {
			r = fail("cannot write %s: %s", path, strerror(errno));
			free(path);
			free(k);
			goto out;
		}
		files = jv_object_set(files, jv_string(kinds[i]), JV_ARRAY(
		    JV_OBJECT(jv_string("Key"), jv_string(k),
		    jv_string("Size"), jv_number((double)size))));
		free(path);
		free(k);
	}
	files = jv_object_set(files, jv_string("PENDING"), jv_array());
	path = xasprintf("%s/manifest.json", base);
	if (put(path, JV_OBJECT(jv_string("DestinationBucket"),
	    jv_string(bucket), jv_string("MapRunArn"), jv_string(run_arn),
	    jv_string("ResultFiles"), jv_copy(files)), &size) != 0)
		r = fail("cannot write %s: %s", path, strerror(errno));
	else {
		char *mk = xasprintf("%s/manifest.json", key);

		r = JV_OBJECT(jv_string("Bucket"), jv_string(bucket),
		    jv_string("Key"), jv_string(mk));
		free(mk);
	}
	free(path);
out:
	jv_free(files);
	jv_free(hb);
	jv_free(hp);
	free(base);
	free(key);
	return r;
}
