/*
 * sfn-eval: evaluate a JSONata expression on each input record, the way
 * a Step Functions state in JSONata mode would evaluate it, so that an
 * expression can be tried before it goes into a state machine.
 *
 * Each input line is one JSON input: it is the expression's context
 * ($) and $states.input.  The result is written as one compact JSON line
 * (numbers from the input keep their spelling); a result that is
 * undefined writes nothing, or the text of --undefined.  A syntax error
 * is reported once (code, position, token, message) with exit 3; an
 * evaluation error is reported for its record, which writes nothing, and
 * the program goes on to the next record and exits 5 at the end.  The
 * engine lives in common/jsonata.h.
 *
 * With --jsonpath the expression is what a JSONPath state's ".$" field
 * holds instead: a reference path or an intrinsic function call
 * (common/jpath.h, common/intrinsic.h), on libjq values.
 */
#include <err.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "diag.h"
#include "exitcode.h"
#include "intrinsic.h"
#include "jpath.h"
#include "jsonata.h"
#include "ndjson.h"
#include "num.h"
#include "out.h"
#include "sbuf.h"
#include "xalloc.h"

enum {
	OPT_DEPTH = 256, OPT_TIMELIMIT, OPT_UNDEFINED, OPT_AWS, OPT_CONTEXT
};

static const char optstring[] = "+f:hknpuV";
static const struct option longopts[] = {
	{ "aws-functions",	no_argument,	   NULL, OPT_AWS },
	{ "context",		required_argument, NULL, OPT_CONTEXT },
	{ "depth",		required_argument, NULL, OPT_DEPTH },
	{ "from-file",		required_argument, NULL, 'f' },
	{ "help",		no_argument,	   NULL, 'h' },
	{ "jsonpath",		no_argument,	   NULL, 'p' },
	{ "keep-going",		no_argument,	   NULL, 'k' },
	{ "no-input",		no_argument,	   NULL, 'n' },
	{ "time-limit",		required_argument, NULL, OPT_TIMELIMIT },
	{ "unbuffered",		no_argument,	   NULL, 'u' },
	{ "undefined",		required_argument, NULL, OPT_UNDEFINED },
	{ "var",		required_argument, NULL, 'v' },
	{ "version",		no_argument,	   NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

static const char usage_text[] =
    "usage: sfn-eval [-hknpuV] [--aws-functions] [--context json] [--depth n]\n"
    "                [--time-limit ms] [--undefined text] [--var name=json ...]\n"
    "                {expression | -f file} [file ...]\n";

static const char help_text[] =
    "Evaluate a JSONata expression on each JSON input line, as a Step\n"
    "Functions state in JSONata mode would ($ and $states.input are the\n"
    "line), or with -p a JSONPath state's path or intrinsic function.\n"
    "\n"
    "      --aws-functions      Step Functions' function set: $partition,\n"
    "                           $range, $hash, $random([seed]), $uuid,\n"
    "                           $parse, and no $eval\n"
    "      --context JSON       the context object ($states.context, $$)\n"
    "      --depth N            evaluation depth limit (default 10000)\n"
    "  -f, --from-file FILE     read the expression from FILE\n"
    "  -h, --help               print this help and exit\n"
    "  -p, --jsonpath           the expression is a JSONPath reference path\n"
    "                           or a States.* intrinsic function call\n"
    "  -k, --keep-going         report malformed lines and go on (exit 4)\n"
    "  -n, --no-input           evaluate once, with no input (undefined)\n"
    "      --time-limit MS      stop an evaluation after MS milliseconds\n"
    "  -u, --unbuffered         flush stdout per record\n"
    "      --undefined TEXT     write TEXT where the result is undefined\n"
    "                           (default: write nothing)\n"
    "      --var NAME=JSON      bind $NAME to the JSON value (repeatable)\n"
    "  -V, --version            print the version and exit\n";

static struct {
	struct jn_limits	 lim;
	const char		*context;
	int			 jsonpath;
	const char		*undefined;
	int			 unbuffered;
	char			**vars;
	size_t			 nvars;
} opt;

static struct jn_expr	*expr;
static struct out	*out;
static struct jn_binding *binds;
static size_t		 nbinds;
static struct jn_arena	*vararena;
static struct sbuf	 line = SBUF_INIT;	/* reused for every record */
static struct jn_value	*context;

/* JSONPath mode: the path or the call, and the variables and $$. */
static struct jpath	*path;
static struct ifn	*call;
static jv		 jvars, jctx;

/* "S0202 at position 5 (token "o, "): Expected ..." */
static void
format_error(struct sbuf *b, const struct jn_error *e)
{
	sbuf_adds(b, e->code);
	if (e->position >= 0)
		sbuf_addf(b, " at position %ld", e->position);
	if (e->token[0] != '\0')
		sbuf_addf(b, " (token \"%s\")", e->token);
	sbuf_addf(b, ": %s", e->message);
}

static int
compile(const char *text)
{
	struct jn_error err;
	struct sbuf b = SBUF_INIT;
	char msg[IFN_ERRSZ > JPATH_ERRSZ ? IFN_ERRSZ : JPATH_ERRSZ];

	if (opt.jsonpath) {
		if (ifn_is_call(text))
			call = ifn_compile(text, msg);
		else
			path = jpath_compile_vars(text, msg);
		if (call != NULL || path != NULL)
			return 0;
		warnx("expression: %s", msg);
		return -1;
	}
	if ((expr = jn_compile(text, &err)) != NULL)
		return 0;
	format_error(&b, &err);
	warnx("expression: %s", b.buf);
	sbuf_free(&b);
	return -1;
}

static char *
read_expr_file(const char *path)
{
	struct sbuf b = SBUF_INIT;

	if (sbuf_read_file(&b, path) < 0)
		err(EXIT_USAGE, "%s", path);
	sbuf_addc(&b, '\0');
	return b.buf;
}

/* The JSON of --var NAME=JSON, NAME cut off at its '=' (SPEC edited). */
static const char *
var_json(char *spec)
{
	char *eq = strchr(spec, '=');

	if (eq == NULL || eq == spec)
		errx(EXIT_USAGE, "invalid --var '%s': use NAME=JSON", spec);
	*eq = '\0';
	if (strcmp(spec, "states") == 0)
		errx(EXIT_USAGE, "invalid --var 'states': $states is "
		    "reserved");
	return eq + 1;
}

/* libjq's value of the JSON text of option WHAT, or a usage error. */
static jv
option_json(const char *what, const char *text)
{
	jv v = jv_parse(text), msg;

	if (!jv_is_valid(v)) {
		msg = jv_invalid_get_msg(v);
		errx(EXIT_USAGE, "invalid %s: %s", what, jv_string_value(msg));
	}
	return v;
}

/*
 * Bind --var NAME=JSON values and $states (its input set per record);
 * in JSONPath mode, as the object of variables and $$.
 */
static void
bind_vars(void)
{
	char msg[200], what[300];
	const char *json;
	size_t i;
	struct jn_value *v;

	if (opt.jsonpath) {
		jvars = jv_object();
		for (i = 0; i < opt.nvars; i++) {
			json = var_json(opt.vars[i]);
			snprintf(what, sizeof(what), "--var '%s'", opt.vars[i]);
			jvars = jv_object_set(jvars, jv_string(opt.vars[i]),
			    option_json(what, json));
		}
		jctx = opt.context != NULL ?
		    option_json("--context", opt.context) : jv_invalid();
		return;
	}
	vararena = jn_arena_new();
	binds = xcalloc(opt.nvars + 2, sizeof(*binds));
	for (i = 0; i < opt.nvars; i++) {
		json = var_json(opt.vars[i]);
		if (jn_parse_json(vararena, json, strlen(json), &v, msg,
		    sizeof(msg)) < 0)
			errx(EXIT_USAGE, "invalid --var '%s': %s", opt.vars[i],
			    msg);
		binds[nbinds].name = opt.vars[i];
		binds[nbinds++].value = v;
	}
	if (opt.context != NULL && jn_parse_json(vararena, opt.context,
	    strlen(opt.context), &context, msg, sizeof(msg)) < 0)
		errx(EXIT_USAGE, "invalid --context: %s", msg);
	binds[nbinds++].name = "states";
}

/* Evaluate on one input (NULL: undefined); 0, or -1 on an error. */
static int
run(struct jn_arena *a, struct jn_value *input, const char *file,
    long lineno)
{
	struct jn_value *res, *states;
	struct jn_error err;
	int rc = 0;

	states = jn_state_input(a, input, context);
	binds[nbinds - 1].value = states;
	sbuf_reset(&line);
	if (jn_eval(expr, input, binds, nbinds, &opt.lim, a, &res, &err) < 0) {
		format_error(&line, &err);
		diag_loc(file, lineno, "%s", line.buf);
		rc = -1;
	} else if (res != NULL) {
		jn_print(&line, res);
		out_line(out, line.buf, line.len);
	} else if (opt.undefined != NULL)
		out_line(out, opt.undefined, strlen(opt.undefined));
	return rc;
}

/*
 * JSONPath mode on the record of ND (or, ND NULL, on none: null, where a
 * path of the input finds nothing); 0, -1 on an error (reported), -2 on
 * a malformed record that stops the input.
 */
static int
run_jsonpath(struct ndjson *nd, const char *rec, size_t len)
{
	struct asl_error e = { NULL, NULL };
	jv in, res, s, msg;
	int rc = 0;

	in = nd != NULL ? ndjson_parse(rec, len) : jv_null();
	if (!jv_is_valid(in)) {
		msg = jv_invalid_get_msg(in);
		rc = ndjson_bad(nd, "invalid JSON: %s", jv_string_value(msg));
		jv_free(msg);
		return rc < 0 ? -2 : 0;
	}
	if (call != NULL)
		res = ifn_eval(call, in, jctx, jvars, &e);
	else
		res = jpath_eval_vars(path, in, jctx, jvars);
	jv_free(in);
	if (e.error != NULL) {
		diag_loc(nd != NULL ? nd->name : "<no input>",
		    nd != NULL ? nd->lineno : 0, "%s: %s", e.error,
		    e.cause ? e.cause : "");
		rc = -1;
	} else if (jv_is_valid(res)) {
		s = jv_dump_string(jv_copy(res), 0);
		out_line(out, jv_string_value(s),
		    (size_t)jv_string_length_bytes(jv_copy(s)));
		jv_free(s);
	} else if (opt.undefined != NULL)
		out_line(out, opt.undefined, strlen(opt.undefined));
	jv_free(res);
	asl_error_free(&e);
	return rc;
}

int
main(int argc, char *argv[])
{
	struct ndjson in;
	struct jn_arena *a;
	struct jn_value *v;
	const char *rec, *file = NULL;
	char *text = NULL, msg[200];
	size_t len;
	int c, keep_going = 0, noinput = 0, status, failed = 0;

	diag_init(argv);
	clock_init();
	while ((c = getopt_long(argc, argv, optstring, longopts, NULL)) != -1)
		switch (c) {
		case 'f': file = optarg; break;
		case 'h':
			diag_help(usage_text, help_text);
		case 'k': keep_going = 1; break;
		case 'n': noinput = 1; break;
		case 'p': opt.jsonpath = 1; break;
		case 'u': opt.unbuffered = 1; break;
		case 'v':
			opt.vars = xreallocarray(opt.vars, opt.nvars + 1,
			    sizeof(*opt.vars));
			opt.vars[opt.nvars++] = optarg;
			break;
		case 'V':
			diag_version();
		case OPT_DEPTH:
			opt.lim.depth = (long)num_parse(optarg, 1, 1000000,
			    "depth");
			break;
		case OPT_TIMELIMIT:
			opt.lim.timelimit_ms = (long)num_parse(optarg, 1,
			    86400000, "time limit");
			break;
		case OPT_UNDEFINED: opt.undefined = optarg; break;
		case OPT_AWS: opt.lim.sfn = 1; break;
		case OPT_CONTEXT: opt.context = optarg; break;
		default:
			diag_usage(usage_text);
		}
	argc -= optind;
	argv += optind;
	if (file != NULL)
		text = read_expr_file(file);
	else if (argc > 0) {
		text = xstrdup(argv[0]);
		argc--;
		argv++;
	} else {
		warnx("an expression is required");
		diag_usage(usage_text);
	}
	if (compile(text) < 0) {
		free(text);
		return EXIT_PROGRAM;
	}
	free(text);
	bind_vars();
	out = out_stdout(opt.unbuffered);
	a = jn_arena_new();
	status = EXIT_OK;
	if (noinput) {
		if (argc > 0)
			errx(EXIT_USAGE, "--no-input takes no input files");
		failed = (opt.jsonpath ? run_jsonpath(NULL, NULL, 0) :
		    run(a, NULL, "<no input>", 0)) < 0;
	} else {
		ndjson_open(&in, argc, argv);
		in.keep_going = keep_going;
		while (ndjson_next(&in, &rec, &len)) {
			if (opt.jsonpath) {
				if ((c = run_jsonpath(&in, rec, len)) == -2)
					break;
				failed |= c < 0;
				continue;
			}
			jn_arena_reset(a);
			if (jn_parse_json_for(expr, a, rec, len, &v, msg,
			    sizeof(msg)) < 0) {
				if (ndjson_bad(&in, "invalid JSON: %s", msg) < 0)
					break;
				continue;
			}
			if (run(a, v, in.name, in.lineno) < 0)
				failed = 1;
		}
		status = ndjson_status(&in);
		ndjson_close(&in);
	}
	out_close(out);
	jn_arena_free(a);
	jn_arena_free(vararena);
	jn_expr_free(expr);
	sbuf_free(&line);
	if (opt.jsonpath) {
		jpath_free(path);
		ifn_free(call);
		jv_free(jvars);
		jv_free(jctx);
	}
	free(binds);
	free(opt.vars);
	if (status == EXIT_OK && failed)
		status = EXIT_RUNTIME;
	return status;
}
