/*
 * itemio.h: a distributed Map's ItemReader and ResultWriter on local
 * files in place of S3 objects.  Bucket B and key K name the file
 * DIR/B/K, where DIR is the directory given to sfn-run (--s3-dir).
 *
 * Readers: s3:getObject with ReaderConfig.InputType JSON (an array),
 * JSONL (one value per line) or CSV (CSVHeaderLocation FIRST_ROW or
 * GIVEN with CSVHeaders, CSVDelimiter COMMA, PIPE, SEMICOLON, SPACE,
 * TAB; every value a string), and s3:listObjectsV2 (Bucket, Prefix: one
 * item per file, {Etag, Key, LastModified, Size, StorageClass}).
 * The writer (s3:putObject; Bucket, Prefix) writes the map run's
 * manifest.json, SUCCEEDED_0.json and FAILED_0.json as AWS lays them out.
 */
#ifndef ITEMIO_H
#define ITEMIO_H

#include <stdint.h>

#include <jv.h>

#define ITEMIO_GET	"arn:aws:states:::s3:getObject"
#define ITEMIO_LIST	"arn:aws:states:::s3:listObjectsV2"
#define ITEMIO_PUT	"arn:aws:states:::s3:putObject"

/*
 * Read the items.  RESOURCE is the reader's Resource, PARAMS its
 * evaluated Parameters, CONFIG its ReaderConfig (or invalid), MAX the
 * item limit (0: none).  Returns the array of items, or an invalid jv
 * whose message says what went wrong (all arguments borrowed).
 */
jv	itemio_read(const char *dir, const char *resource, jv params,
	    jv config, long max);

/*
 * Write the results of a map run under DIR/Bucket/Prefix/RUN_ID/:
 * SUCCEEDED (an array of execution records) and FAILED likewise, then
 * manifest.json.  Returns {"Bucket","Key"} naming the manifest (the
 * Map's ResultWriterDetails), or an invalid jv with a message.
 */
jv	itemio_write(const char *dir, jv params, const char *run_arn,
	    const char *run_id, jv succeeded, jv failed);

#endif
