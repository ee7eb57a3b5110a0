/*
 * sfn-run: run Amazon States Language state machines locally, one
 * execution per input line.
 *
 * The definition is loaded and validated before any input is read (a
 * broken one is exit 3 with the state and the reason).  Each input line
 * is one execution's input; each execution writes one result line in
 * DescribeExecution's shape, in input order.  Task states run local
 * commands bound with --task (or mocked responses from a Step Functions
 * Local mock configuration); events:putEvents tasks write EventBridge
 * events to the --events stream, ready for ebus-put.
 */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asl.h"
#include "aslrun.h"
#include "awsid.h"
#include "clock.h"
#include "diag.h"
#include "entry.h"
#include "exitcode.h"
#include "jsonraw.h"
#include "ndjson.h"
#include "num.h"
#include "out.h"
#include "pgkill.h"
#include "sbuf.h"
#include "version.h"
#include "xalloc.h"

enum { OPT_CLOCK = 256, OPT_DOT, OPT_TEST_CASE, OPT_MAX_SIZE, OPT_S3_DIR };

static const char optstring[] = "+a:ce:hH:km:n:o:r:t:uV";
static const struct option longopts[] = {
	{ "account",		required_argument, NULL, 'a' },
	{ "check",		no_argument,	   NULL, 'c' },
	{ "clock",		required_argument, NULL, OPT_CLOCK },
	{ "dot",		optional_argument, NULL, OPT_DOT },
	{ "events",		required_argument, NULL, 'e' },
	{ "help",		no_argument,	   NULL, 'h' },
	{ "history",		required_argument, NULL, 'H' },
	{ "keep-going",		no_argument,	   NULL, 'k' },
	{ "max-event-size",	required_argument, NULL, OPT_MAX_SIZE },
	{ "mock-config",	required_argument, NULL, 'm' },
	{ "name",		required_argument, NULL, 'n' },
	{ "output",		required_argument, NULL, 'o' },
	{ "region",		required_argument, NULL, 'r' },
	{ "s3-dir",		required_argument, NULL, OPT_S3_DIR },
	{ "task",		required_argument, NULL, 't' },
	{ "test-case",		required_argument, NULL, OPT_TEST_CASE },
	{ "unbuffered",		no_argument,	   NULL, 'u' },
	{ "version",		no_argument,	   NULL, 'V' },
	{ NULL,			0,		   NULL, 0 }
};

static const char usage_text[] =
    "usage: sfn-run [-chkuV] [-a account] [-e file] [-H file] [-n name]\n"
    "               [-o file] [-r region] [-t resource=command ...]\n"
    "               [--clock real|virtual] [--max-event-size bytes]\n"
    "               [-m mock-config --test-case name] [--dot[=history]]\n"
    "               [--s3-dir dir]\n"
    "               definition [file ...]\n";

static const char help_text[] =
    "Run an Amazon States Language state machine on each input line.\n"
    "\n"
    "  -a, --account ID         account of the ARNs (AWS_ACCOUNT_ID)\n"
    "  -c, --check              validate the definition and exit\n"
    "      --clock MODE         real (default) or virtual: waits, retry\n"
    "                           intervals and timeouts take no real time\n"
    "      --dot[=HISTORY]      print the machine as a Graphviz graph;\n"
    "                           with a history file, highlight its path\n"
    "  -e, --events FILE        events:putEvents tasks write events to\n"
    "                           FILE (- for stdout)\n"
    "  -h, --help               print this help and exit\n"
    "  -H, --history FILE       write every execution's history to FILE\n"
    "  -k, --keep-going         report malformed lines and go on (exit 4)\n"
    "      --max-event-size N   PutEvents request limit (262144..1M)\n"
    "  -m, --mock-config FILE   Step Functions Local mock configuration\n"
    "      --test-case NAME     the mock configuration's test case\n"
    "  -n, --name NAME          state machine name (default: the file's)\n"
    "  -o, --output FILE        execution results go to FILE\n"
    "  -r, --region REGION      region of the ARNs (AWS_REGION)\n"
    "      --s3-dir DIR         Map ItemReader/ResultWriter objects are\n"
    "                           files DIR/BUCKET/KEY (default: .)\n"
    "  -t, --task RES=COMMAND   run COMMAND for Task resource RES (an ARN,\n"
    "                           a function name or a state name)\n"
    "  -u, --unbuffered         flush after every record\n"
    "  -V, --version            print the version and exit\n"
    "\n"
    "EDAKIT_DETERMINISTIC=1 fixes ids and the clock for golden tests.\n";

/* Read a whole file; exits 2 when it cannot. */
static char *
slurp(const char *path, size_t *len)
{
	struct sbuf b = SBUF_INIT;

	if (sbuf_read_file(&b, path) != 0)
		err(EXIT_USAGE, "%s", path);
	return sbuf_detach(&b, len);
}

static jv
load_json(const char *path, const char *what)
{
	size_t len;
	char *text = slurp(path, &len);
	jv v = jv_parse_sized(text, (int)len);

	free(text);
	if (!jv_is_valid(v)) {
		jv msg = jv_invalid_get_msg(v);
		const char *m = jv_get_kind(msg) == JV_KIND_STRING ?
		    jv_string_value(msg) : "unknown error", *w;

		/* libjq quotes the text it read: never echo input. */
		w = strstr(m, " (while parsing");
		errx(EXIT_PROGRAM, "%s: %s is not valid JSON: %.*s", path, what,
		    w != NULL ? (int)(w - m) : (int)strlen(m), m);
	}
	return v;
}

/* The default state machine name: the file's base name, up to a dot. */
static char *
default_name(const char *path)
{
	const char *b = strrchr(path, '/');
	size_t n;

	b = b != NULL ? b + 1 : path;
	n = strcspn(b, ".");
	if (n == 0)
		return xstrdup("StateMachine");
	return xstrndup(b, n);
}

/* Split COMMAND on blanks into an argv. */
static char **
split_argv(const char *cmd)
{
	char **argv = NULL;
	size_t n = 0, len;

	for (;;) {
		cmd += strspn(cmd, " \t");
		if (*cmd == '\0')
			break;
		len = strcspn(cmd, " \t");
		argv = xreallocarray(argv, n + 2, sizeof(*argv));
		argv[n++] = xstrndup(cmd, len);
		cmd += len;
	}
	if (argv == NULL)
		return NULL;
	argv[n] = NULL;
	return argv;
}

static void
add_binding(struct aslrun_conf *c, const char *arg)
{
	const char *eq = strchr(arg, '=');
	struct aslrun_binding *b;
	char **argv;

	if (eq == NULL || eq == arg)
		errx(EXIT_USAGE, "invalid --task '%s': expected "
		    "RESOURCE=COMMAND", arg);
	if ((argv = split_argv(eq + 1)) == NULL)
		errx(EXIT_USAGE, "invalid --task '%s': empty command", arg);
	c->bindings = xreallocarray(c->bindings, c->nbindings + 1,
	    sizeof(*c->bindings));
	b = &c->bindings[c->nbindings++];
	b->resource = xstrndup(arg, (size_t)(eq - arg));
	b->argv = argv;
}

static void
free_bindings(struct aslrun_conf *c)
{
	size_t i, j;

	for (i = 0; i < c->nbindings; i++) {
		for (j = 0; c->bindings[i].argv[j] != NULL; j++)
			free(c->bindings[i].argv[j]);
		free(c->bindings[i].argv);
		free(c->bindings[i].resource);
	}
	free(c->bindings);
}

/*
 * Step Functions Local's mock configuration: StateMachines.<name>.
 * TestCases.<case> maps states to MockedResponses names.  The result maps
 * each state to its responses.
 */
static jv
load_mocks(const char *path, const char *sm, const char *tcase)
{
	jv cfg = load_json(path, "the mock configuration"), cases, tc,
	    responses, mocks = jv_object();
	int it;

	cases = jv_getpath(jv_copy(cfg), JV_ARRAY(jv_string("StateMachines"),
	    jv_string(sm), jv_string("TestCases")));
	if (jv_get_kind(cases) != JV_KIND_OBJECT)
		errx(EXIT_PROGRAM, "%s: no StateMachines.%s.TestCases", path,
		    sm);
	tc = jv_object_get(cases, jv_string(tcase));
	if (jv_get_kind(tc) != JV_KIND_OBJECT)
		errx(EXIT_PROGRAM, "%s: state machine '%s' has no test case "
		    "'%s'", path, sm, tcase);
	responses = jv_object_get(jv_copy(cfg), jv_string("MockedResponses"));
	for (it = jv_object_iter(tc); jv_object_iter_valid(tc, it);
	    it = jv_object_iter_next(tc, it)) {
		jv k = jv_object_iter_key(tc, it);
		jv name = jv_object_iter_value(tc, it), r;

		if (jv_get_kind(name) != JV_KIND_STRING)
			errx(EXIT_PROGRAM, "%s: test case '%s': state '%s' "
			    "must name a mocked response", path, tcase,
			    jv_string_value(k));
		r = jv_get_kind(responses) == JV_KIND_OBJECT ?
		    jv_object_get(jv_copy(responses), jv_copy(name)) :
		    jv_invalid();
		if (jv_get_kind(r) != JV_KIND_OBJECT)
			errx(EXIT_PROGRAM, "%s: no mocked response '%s'",
			    path, jv_string_value(name));
		mocks = jv_object_set(mocks, k, r);
		jv_free(name);
	}
	jv_free(tc);
	jv_free(responses);
	jv_free(cfg);
	return mocks;
}

/* Graphviz. */

static void
dot_id(struct sbuf *b, const char *prefix, const char *name)
{
	struct sbuf t = SBUF_INIT;

	sbuf_adds(&t, prefix);
	sbuf_adds(&t, name);
	jsonraw_quote(b, t.buf, t.len);
	sbuf_free(&t);
}

static int
visited(jv seen, const char *name)
{
	jv v = jv_object_get(jv_copy(seen), jv_string(name));
	int r = jv_is_valid(v);

	jv_free(v);
	return r;
}

static void
dot_edge(struct sbuf *b, const char *prefix, const char *from,
    const char *to, const char *label, const char *style, jv seen,
    jv steps)
{
	struct sbuf key = SBUF_INIT;
	int hot;

	sbuf_addf(&key, "%s\n%s", from, to);
	hot = visited(steps, key.buf);
	sbuf_free(&key);
	sbuf_adds(b, "  ");
	dot_id(b, prefix, from);
	sbuf_adds(b, " -> ");
	if (to[0] == '\0')
		dot_id(b, prefix, "(end)");
	else
		dot_id(b, prefix, to);
	sbuf_adds(b, " [");
	if (label != NULL) {
		sbuf_adds(b, "label=");
		jsonraw_quote(b, label, strlen(label));
		sbuf_addc(b, ',');
	}
	sbuf_addf(b, "style=%s%s];\n", style, hot ?
	    ",color=\"#1f6fd0\",penwidth=2.5" : "");
	(void)seen;
}

static void
dot_states(struct sbuf *b, const struct asl_states *ss, const char *prefix,
    jv seen, jv steps, int *cluster)
{
	size_t i, k;
	char lbl[32];

	sbuf_adds(b, "  ");
	dot_id(b, prefix, "(start)");
	sbuf_adds(b, " [shape=circle,label=\"\",width=0.2,style=filled,"
	    "fillcolor=black];\n  ");
	dot_id(b, prefix, "(start)");
	sbuf_adds(b, " -> ");
	dot_id(b, prefix, ss->start_at);
	sbuf_adds(b, ";\n  ");
	dot_id(b, prefix, "(end)");
	sbuf_adds(b, " [shape=doublecircle,label=\"\",width=0.15,"
	    "style=filled,fillcolor=black];\n");
	for (i = 0; i < ss->nstates; i++) {
		const struct asl_state *s = &ss->states[i];
		struct sbuf label = SBUF_INIT;
		int hot = visited(seen, s->name);

		sbuf_addf(&label, "%s\n%s", s->name, asl_type_name(s->type));
		sbuf_adds(b, "  ");
		dot_id(b, prefix, s->name);
		sbuf_adds(b, " [label=");
		jsonraw_quote(b, label.buf, label.len);
		sbuf_free(&label);
		sbuf_addf(b, ",shape=%s%s%s];\n", s->type == ASL_CHOICE ?
		    "diamond" : "box,style=\"rounded,filled\"",
		    s->type == ASL_CHOICE ? ",style=filled" : "",
		    hot ? ",fillcolor=\"#cfe3fb\",color=\"#1f6fd0\","
		    "penwidth=2.5" : s->type == ASL_FAIL ?
		    ",fillcolor=\"#f8d7d7\"" : s->type == ASL_SUCCEED ?
		    ",fillcolor=\"#d7f0d7\"" : ",fillcolor=white");
		if (s->type == ASL_FAIL || s->type == ASL_SUCCEED || s->end)
			dot_edge(b, prefix, s->name, "", NULL, "solid", seen,
			    steps);
		else if (s->next != NULL)
			dot_edge(b, prefix, s->name, s->next, NULL, "solid",
			    seen, steps);
		for (k = 0; k < s->nchoices; k++) {
			snprintf(lbl, sizeof(lbl), "rule %zu", k + 1);
			dot_edge(b, prefix, s->name, s->choices[k] != NULL ?
			    choice_next(s->choices[k]) : s->rules[k].next,
			    lbl, "solid", seen, steps);
		}
		if (s->dflt != NULL)
			dot_edge(b, prefix, s->name, s->dflt, "Default",
			    "dashed", seen, steps);
		for (k = 0; k < s->ncatch; k++)
			dot_edge(b, prefix, s->name, s->catchers[k].next,
			    "Catch", "dotted", seen, steps);
		for (k = 0; k < s->nbranches || (k == 0 &&
		    s->processor != NULL); k++) {
			const struct asl_states *inner = s->processor != NULL ?
			    s->processor : &s->branches[k];
			struct sbuf p = SBUF_INIT;

			sbuf_addf(&p, "%s%s/%zu/", prefix, s->name, k);
			sbuf_addf(b, "  subgraph cluster_%d {\n  label=",
			    (*cluster)++);
			if (s->processor != NULL)
				snprintf(lbl, sizeof(lbl), "item processor");
			else
				snprintf(lbl, sizeof(lbl), "branch %zu", k + 1);
			jsonraw_quote(b, lbl, strlen(lbl));
			sbuf_adds(b, ";\n  style=dashed;\n");
			dot_states(b, inner, p.buf, seen, steps, cluster);
			sbuf_adds(b, "  }\n  ");
			dot_id(b, prefix, s->name);
			sbuf_adds(b, " -> ");
			dot_id(b, p.buf, "(start)");
			sbuf_adds(b, " [style=dashed,arrowhead=none];\n");
			sbuf_free(&p);
		}
	}
}

/* The states a history entered, and the steps between them. */
static void
dot_history(const char *path, jv *seen, jv *steps)
{
	struct ndjson in;
	char *argv[1];
	const char *rec, *prev = NULL;
	char *prevbuf = NULL;
	size_t len;

	argv[0] = (char *)path;
	ndjson_open(&in, 1, argv);
	in.keep_going = 1;
	while (ndjson_next(&in, &rec, &len)) {
		jv v = ndjson_parse(rec, len), name, type;

		if (!jv_is_valid(v)) {
			jv_free(v);
			ndjson_bad(&in, "not a history event");
			continue;
		}
		type = jv_object_get(jv_copy(v), jv_string("type"));
		name = jv_getpath(jv_copy(v), JV_ARRAY(
		    jv_string("stateEnteredEventDetails"), jv_string("name")));
		if (jv_get_kind(type) == JV_KIND_STRING &&
		    strcmp(jv_string_value(type), "ExecutionStarted") == 0) {
			free(prevbuf);
			prevbuf = NULL;
			prev = NULL;
		}
		if (jv_get_kind(name) == JV_KIND_STRING) {
			*seen = jv_object_set(*seen, jv_copy(name), jv_true());
			if (prev != NULL) {
				struct sbuf k = SBUF_INIT;

				sbuf_addf(&k, "%s\n%s", prev,
				    jv_string_value(name));
				*steps = jv_object_set(*steps,
				    jv_string(k.buf), jv_true());
				sbuf_free(&k);
			}
			free(prevbuf);
			prev = prevbuf = xstrdup(jv_string_value(name));
		}
		jv_free(type);
		jv_free(name);
		jv_free(v);
	}
	free(prevbuf);
	if (ndjson_status(&in) == EXIT_USAGE) {
		ndjson_close(&in);
		exit(EXIT_USAGE);
	}
	ndjson_close(&in);
}

static void
print_dot(const struct asl_machine *m, const char *name,
    const char *history, struct out *o)
{
	struct sbuf b = SBUF_INIT;
	jv seen = jv_object(), steps = jv_object();
	int cluster = 0;

	if (history != NULL)
		dot_history(history, &seen, &steps);
	sbuf_adds(&b, "digraph ");
	jsonraw_quote(&b, name, strlen(name));
	sbuf_adds(&b, " {\n  rankdir=TB;\n  node [fontname=\"Helvetica\","
	    "fontsize=11];\n  edge [fontname=\"Helvetica\",fontsize=9];\n");
	dot_states(&b, &m->top, "", seen, steps, &cluster);
	sbuf_adds(&b, "}");
	out_line(o, b.buf, b.len);
	sbuf_free(&b);
	jv_free(seen);
	jv_free(steps);
}

/* Say where a failed execution came from: "prog: FILE:LINE: ...". */
static void
failure(struct ndjson *in, const struct sbuf *res)
{
	jv r = jv_parse_sized(res->buf, (int)res->len);
	jv name = jv_object_get(jv_copy(r), jv_string("name"));
	jv st = jv_object_get(jv_copy(r), jv_string("status"));
	jv e = jv_object_get(jv_copy(r), jv_string("error"));

	diag_loc(in->name, in->lineno, "execution %s %s%s%s",
	    jv_string_value(name), jv_string_value(st),
	    jv_get_kind(e) == JV_KIND_STRING ? ": " : "",
	    jv_get_kind(e) == JV_KIND_STRING ? jv_string_value(e) : "");
	jv_free(name);
	jv_free(st);
	jv_free(e);
	jv_free(r);
}

int
main(int argc, char *argv[])
{
	struct aslrun_conf conf;
	struct asl_machine *m;
	struct sbuf why = SBUF_INIT, res = SBUF_INIT;
	struct out *results = NULL;
	struct ndjson in;
	const char *account = NULL, *region = NULL, *events = NULL,
	    *history = NULL, *output = NULL, *mockfile = NULL,
	    *test_case = NULL, *dot_hist = NULL, *rec;
	char *name = NULL, *defpath, exname[UUID_BUFSZ];
	int c, unbuffered = 0, keep_going = 0, check = 0, dot = 0, status;
	long nfailed = 0;
	size_t len;
	jv def, v;

	diag_init(argv);
	clock_init();
	memset(&conf, 0, sizeof(conf));
	conf.mocks = jv_invalid();
	conf.event_limit = ENTRY_SIZE_LIMIT;
	while ((c = getopt_long(argc, argv, optstring, longopts, NULL)) != -1)
		switch (c) {
		case 'a': account = optarg; break;
		case 'c': check = 1; break;
		case 'e': events = optarg; break;
		case 'h':
			diag_help(usage_text, help_text);
		case 'H': history = optarg; break;
		case 'k': keep_going = 1; break;
		case 'm': mockfile = optarg; break;
		case 'n':
			if (!awsid_name_ok(optarg, ASL_NAME_MAX, NULL))
				errx(EXIT_USAGE, "invalid state machine name "
				    "'%s'", optarg);
			free(name);
			name = xstrdup(optarg);
			break;
		case 'o': output = optarg; break;
		case 'r': region = optarg; break;
		case 't': add_binding(&conf, optarg); break;
		case 'u': unbuffered = 1; break;
		case 'V':
			diag_version();
		case OPT_CLOCK:
			clock_option(optarg);
			break;
		case OPT_DOT:
			dot = 1;
			dot_hist = optarg;
			break;
		case OPT_MAX_SIZE:
			conf.event_limit = (size_t)num_parse_size(optarg, 1,
			    ENTRY_SIZE_LIMIT_MAX, "size");
			break;
		case OPT_TEST_CASE: test_case = optarg; break;
		case OPT_S3_DIR: conf.s3_dir = optarg; break;
		default:
			diag_usage(usage_text);
		}
	argc -= optind;
	argv += optind;
	if (argc < 1) {
		warnx("a definition file is required");
		diag_usage(usage_text);
	}
	if ((mockfile == NULL) != (test_case == NULL))
		errx(EXIT_USAGE, "--mock-config and --test-case go together");
	awsid_init(account, region);
	defpath = argv[0];
	argc--;
	argv++;
	if (name == NULL)
		name = default_name(defpath);
	conf.sm_name = name;

	def = load_json(defpath, "the definition");
	if ((m = asl_load(def, &why)) == NULL)
		errx(EXIT_PROGRAM, "%s: %s", defpath, why.buf);
	jv_free(def);
	sbuf_free(&why);
	if (check) {
		asl_free(m);
		free_bindings(&conf);
		free(name);
		return EXIT_OK;
	}
	if (dot) {
		results = output != NULL ? out_open(output, unbuffered) :
		    out_stdout(unbuffered);
		print_dot(m, name, dot_hist, results);
		out_close(results);
		asl_free(m);
		free_bindings(&conf);
		free(name);
		return EXIT_OK;
	}
	if (m->has_putevents && events == NULL)
		errx(EXIT_USAGE, "%s: events:putEvents tasks need --events "
		    "FILE (- for stdout, with --output for the results)",
		    defpath);
	if (mockfile != NULL)
		conf.mocks = load_mocks(mockfile, name, test_case);
	if (events != NULL && output == NULL && strcmp(events, "-") == 0)
		errx(EXIT_USAGE, "--events - needs --output for the results");

	results = output != NULL && strcmp(output, "-") != 0 ?
	    out_open(output, unbuffered) : out_stdout(unbuffered);
	if (events != NULL)
		conf.events = strcmp(events, "-") == 0 ?
		    out_stdout(unbuffered) : out_open(events, unbuffered);
	if (history != NULL)
		conf.history = strcmp(history, "-") == 0 ?
		    out_stdout(unbuffered) : out_open(history, unbuffered);

	/* A signal takes the running task commands with it. */
	pgkill_init(0);
	ndjson_open(&in, argc, argv);
	in.keep_going = keep_going;
	while (ndjson_next(&in, &rec, &len)) {
		v = ndjson_parse(rec, len);
		if (!jv_is_valid(v)) {
			jv msg = jv_invalid_get_msg(v);

			ndjson_bad(&in, "invalid JSON: %s",
			    jv_string_value(msg));
			jv_free(msg);
			continue;
		}
		ids_uuid(exname, rec, len);
		sbuf_reset(&res);
		if (aslrun_execute(m, &conf, v, rec, len, exname, &res) !=
		    ASLRUN_SUCCEEDED) {
			nfailed++;
			failure(&in, &res);
		}
		out_line(results, res.buf, res.len);
		jv_free(v);
	}
	status = ndjson_status(&in);
	ndjson_close(&in);
	sbuf_free(&res);
	if (conf.history != NULL && conf.history != results)
		out_close(conf.history);
	if (conf.events != NULL && conf.events != results &&
	    conf.events != conf.history)
		out_close(conf.events);
	out_close(results);
	jv_free(conf.mocks);
	asl_free(m);
	free_bindings(&conf);
	free(name);
	pgkill_free();
	if (status == EXIT_OK && nfailed > 0)
		status = EXIT_NEGATIVE;
	return status;
}
