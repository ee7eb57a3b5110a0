/*
 * asl.h: Amazon States Language definitions, loaded and validated.
 *
 * asl_load turns a definition (JSON) into the tree below, compiling every
 * path, intrinsic call and Choice rule once and checking what AWS checks
 * when a state machine is created: known fields per state type, Next
 * targets that exist, no unreachable state, End or Next, Retry and Catch
 * shapes.  A state is in JSONPath mode (paths, ".$" keys, intrinsics)
 * or JSONata mode (QueryLanguage JSONata, top level or per state: every
 * "{% expr %}" string of the fields AWS evaluates is compiled once, and
 * the JSONPath-only fields are refused).  Workflow variables (Assign, on
 * states, Choice rules and catchers) work in both.  The tree is
 * immutable once loaded.
 */
#ifndef ASL_H
#define ASL_H

#include <stddef.h>
#include <stdint.h>

#include <jv.h>

#include "choice.h"
#include "intrinsic.h"
#include "jpath.h"
#include "jsonata.h"
#include "sbuf.h"

#define ASL_PAYLOAD_MAX		262144
#define ASL_NAME_MAX		80

enum asl_type {
	ASL_PASS, ASL_TASK, ASL_CHOICE, ASL_WAIT, ASL_SUCCEED, ASL_FAIL,
	ASL_PARALLEL, ASL_MAP
};

/*
 * A payload template: Parameters, ResultSelector, ItemSelector, Assign
 * (JSONPath: ".$" keys take a path or an intrinsic), or any JSONata
 * field (Arguments, Output, Assign, ...: "{% expr %}" strings).
 */
enum asl_tmpl_kind { TM_CONST, TM_OBJECT, TM_ARRAY, TM_PATH, TM_CALL,
	TM_JSONATA };

struct asl_tmpl {
	enum asl_tmpl_kind kind;
	jv		 value;		/* TM_CONST */
	char		*key;		/* member name (".$" removed) */
	char		*field;		/* member name as written; JSONata:
					   where it is ("Output/a[0]") */
	struct jpath	*path;
	struct ifn	*call;
	struct jn_expr	*expr;		/* TM_JSONATA */
	char		*text;		/* TM_JSONATA: the expression */
	struct asl_tmpl	*kids;		/* TM_OBJECT, TM_ARRAY */
	size_t		 nkids;
};

/* InputPath, OutputPath, ResultPath: absent (default "$"), null, a path. */
struct asl_path {
	int		 null;
	struct jpath	*path;		/* NULL: "$" */
};

/* A path or an intrinsic call (ErrorPath, CausePath). */
struct asl_ref {
	struct jpath	*path;
	struct ifn	*call;
};

struct asl_retrier {
	char		**errors;
	size_t		 nerrors;
	double		 interval;	/* seconds */
	long		 max_attempts;
	double		 backoff;
	long		 max_delay;	/* seconds; 0: none */
	int		 jitter_full;
};

struct asl_catcher {
	char		**errors;
	size_t		 nerrors;
	struct asl_path	 result_path;
	struct asl_tmpl	*assign, *output;	/* or NULL */
	char		*next;
	int		 next_idx;
};

struct asl_states;

/* What a Choice rule adds to its test (JSONata: the test itself). */
struct asl_rule {
	struct asl_tmpl	*condition;	/* JSONata Condition */
	char		*next;		/* JSONata rule's Next */
	struct asl_tmpl	*assign, *output;	/* or NULL */
};

/* JSONata fields that may be "{% %}" where JSONPath has a literal. */
enum asl_jfield { JF_SECONDS, JF_TIMESTAMP, JF_TIMEOUT, JF_HEARTBEAT,
	JF_ERROR, JF_CAUSE, JF_MAX_CONCURRENCY, JF_TOLERATED_PCT,
	JF_TOLERATED_COUNT, JF_STATE_FIELDS,
	/* inside ItemBatcher and ItemReader.ReaderConfig */
	JF_BATCH_MAX_ITEMS = JF_STATE_FIELDS, JF_BATCH_MAX_BYTES,
	JF_READER_MAX_ITEMS, JF_NFIELDS };

struct asl_state {
	char		*name;
	enum asl_type	 type;
	int		 jsonata;	/* QueryLanguage JSONata */
	struct asl_tmpl	*assign;	/* Assign, or NULL */
	struct asl_tmpl	*output;	/* JSONata Output, or NULL */
	struct asl_tmpl	*arguments;	/* JSONata Arguments, or NULL */
	struct asl_tmpl	*items;		/* JSONata Map Items, or NULL */
	struct asl_tmpl	*jfield[JF_NFIELDS];	/* "{% %}", or NULL */
	char		*next;
	int		 next_idx;	/* -1 at the end */
	int		 end;
	struct asl_path	 input_path, output_path, result_path;
	struct asl_tmpl	*parameters, *result_selector;
	jv		 result;	/* Pass Result, or invalid */

	/* Task */
	char		*resource;
	long		 timeout, heartbeat;	/* seconds; 0: none */
	struct jpath	*timeout_path, *heartbeat_path;

	/* Task, Parallel, Map */
	struct asl_retrier *retry;
	size_t		 nretry;
	struct asl_catcher *catchers;
	size_t		 ncatch;

	/* Choice */
	struct choice_rule **choices;	/* NULL for a JSONata rule */
	struct asl_rule	*rules;
	int		*choice_idx;
	size_t		 nchoices;
	char		*dflt;
	int		 dflt_idx;

	/* Wait */
	long		 seconds;		/* -1: not given */
	struct jpath	*seconds_path;
	char		*timestamp;
	struct jpath	*timestamp_path;

	/* Fail */
	char		*error, *cause;
	struct asl_ref	 error_path, cause_path;

	/* Parallel */
	struct asl_states *branches;
	size_t		 nbranches;

	/* Map */
	struct asl_states *processor;
	struct jpath	*items_path;
	struct asl_tmpl	*item_selector;
	int		 distributed;
	long		 max_concurrency;
	struct jpath	*max_concurrency_path;
	double		 tolerated_pct;		/* -1: not given */
	long		 tolerated_count;	/* -1: not given */
	struct jpath	*tolerated_pct_path, *tolerated_count_path;
	int		 batcher;		/* ItemBatcher given */
	long		 batch_max_items;	/* 0: none */
	long		 batch_max_bytes;	/* 0: none */
	struct jpath	*batch_max_items_path, *batch_max_bytes_path;
	struct asl_tmpl	*batch_input;
	char		*label;			/* Label, or NULL */
	char		*reader;		/* ItemReader.Resource, or NULL */
	struct asl_tmpl	*reader_params;
	jv		 reader_config;		/* ReaderConfig, or invalid */
	long		 reader_max;		/* MaxItems; 0: all */
	struct jpath	*reader_max_path;
	int		 writer;		/* ResultWriter given */
	struct asl_tmpl	*writer_params;
};

/* A set of states: the machine, a Parallel branch, a Map processor. */
struct asl_states {
	char		*start_at;
	int		 start;
	struct asl_state *states;
	size_t		 nstates;
	int		 has_task;	/* some state (nested too) is a Task */
};

struct asl_machine {
	struct asl_states top;
	long		 timeout;	/* seconds; 0: none */
	int		 has_putevents;	/* some Task is events:putEvents */
	int		 uses_context;	/* some path or call reads "$$", or
					   an expression $states.context */
};

/*
 * Load DEF (borrowed).  Returns the machine, or NULL with the reason in
 * ERR ("state 'X': ..." when a state is at fault).
 */
struct asl_machine	*asl_load(jv def, struct sbuf *err);
void			 asl_free(struct asl_machine *);

const char		*asl_type_name(enum asl_type);

/* Look a state up by name in a set; -1 when absent. */
int			 asl_find(const struct asl_states *, const char *name);

#endif
