/* Plural-Forms: gettext's plural expressions ("nplurals=3; plural=n==1 ? 0
 * : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2;"), compiled once
 * per catalog into a tree and evaluated for each count. libgettextpo reads
 * the header but has no evaluator; libintl's is internal to it. The
 * grammar is C's, restricted as gettext restricts it. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "i18n/i18n.h"

/* Deeper nesting than any language needs; bounds the recursion. */
#define PLURAL_MAX_DEPTH 48
#define PLURAL_MAX_NODES 512

enum op { OP_N, OP_NUM, OP_NOT, OP_MUL, OP_DIV, OP_MOD, OP_ADD, OP_SUB, OP_LT, OP_LE,
	  OP_GT, OP_GE, OP_EQ, OP_NE, OP_AND, OP_OR, OP_COND };

struct node {
	enum op op;
	unsigned long num;
	int a, b, c; /* operand nodes, -1 when unused */
};

struct i18n_plural {
	struct node *v;
	int n, root;
};

struct parser {
	const char *s;
	struct node *v;
	int n;
	int depth;
	bool bad;
};

static void skip(struct parser *p)
{
	while (*p->s == ' ' || *p->s == '\t' || *p->s == '\n' || *p->s == '\r')
		p->s++;
}

static bool eat(struct parser *p, const char *tok)
{
	skip(p);
	size_t l = strlen(tok);
	if (strncmp(p->s, tok, l))
		return false;
	/* "<" must not take the first half of "<=", nor "!" of "!=". */
	if (l == 1 && strchr("<>!=", tok[0]) && p->s[1] == '=')
		return false;
	if (l == 1 && (tok[0] == '&' || tok[0] == '|'))
		return false;
	p->s += l;
	return true;
}

static int node(struct parser *p, enum op op, unsigned long num, int a, int b, int c)
{
	if (p->bad || p->n >= PLURAL_MAX_NODES || a == -2 || b == -2 || c == -2) {
		p->bad = true;
		return -2;
	}
	p->v[p->n] = (struct node){op, num, a, b, c};
	return p->n++;
}

static int expr(struct parser *p);

static int primary(struct parser *p)
{
	skip(p);
	if (*p->s == 'n' && !isalnum((unsigned char)p->s[1]) && p->s[1] != '_') {
		p->s++;
		return node(p, OP_N, 0, -1, -1, -1);
	}
	if (isdigit((unsigned char)*p->s)) {
		unsigned long v = 0;
		while (isdigit((unsigned char)*p->s)) {
			if (v > 100000000UL) {
				p->bad = true;
				return -2;
			}
			v = v * 10 + (unsigned long)(*p->s++ - '0');
		}
		return node(p, OP_NUM, v, -1, -1, -1);
	}
	if (eat(p, "(")) {
		int e = expr(p);
		if (!eat(p, ")"))
			p->bad = true;
		return p->bad ? -2 : e;
	}
	p->bad = true;
	return -2;
}

static int unary(struct parser *p)
{
	if (eat(p, "!")) {
		if (++p->depth > PLURAL_MAX_DEPTH) {
			p->bad = true;
			return -2;
		}
		int a = unary(p);
		p->depth--;
		return node(p, OP_NOT, 0, a, -1, -1);
	}
	return primary(p);
}

/* One level of left-associative binary operators: TOKS[i] gives OPS[i]. */
static int binary(struct parser *p, int (*next)(struct parser *), const char *const *toks,
		  const enum op *ops, size_t nops)
{
	int a = next(p);
	for (;;) {
		size_t i;
		for (i = 0; i < nops; i++)
			if (eat(p, toks[i]))
				break;
		if (i == nops || p->bad)
			return a;
		int b = next(p);
		a = node(p, ops[i], 0, a, b, -1);
	}
}

static int mul(struct parser *p)
{
	static const char *const t[] = {"*", "/", "%"};
	static const enum op o[] = {OP_MUL, OP_DIV, OP_MOD};
	return binary(p, unary, t, o, 3);
}

static int add(struct parser *p)
{
	static const char *const t[] = {"+", "-"};
	static const enum op o[] = {OP_ADD, OP_SUB};
	return binary(p, mul, t, o, 2);
}

static int rel(struct parser *p)
{
	static const char *const t[] = {"<=", ">=", "<", ">"};
	static const enum op o[] = {OP_LE, OP_GE, OP_LT, OP_GT};
	return binary(p, add, t, o, 4);
}

static int eq(struct parser *p)
{
	static const char *const t[] = {"==", "!="};
	static const enum op o[] = {OP_EQ, OP_NE};
	return binary(p, rel, t, o, 2);
}

static int and_(struct parser *p)
{
	static const char *const t[] = {"&&"};
	static const enum op o[] = {OP_AND};
	return binary(p, eq, t, o, 1);
}

static int or_(struct parser *p)
{
	static const char *const t[] = {"||"};
	static const enum op o[] = {OP_OR};
	return binary(p, and_, t, o, 1);
}

static int expr(struct parser *p)
{
	if (++p->depth > PLURAL_MAX_DEPTH) {
		p->bad = true;
		return -2;
	}
	int c = or_(p);
	if (!p->bad && eat(p, "?")) {
		int a = expr(p);
		if (!eat(p, ":"))
			p->bad = true;
		int b = p->bad ? -2 : expr(p);
		c = node(p, OP_COND, 0, c, a, b);
	}
	p->depth--;
	return c;
}

/* The value after "KEY=" in "nplurals=2; plural=...;", or NULL. */
static const char *field(const char *s, const char *key)
{
	size_t l = strlen(key);
	for (const char *q = s; (q = strstr(q, key)) != NULL; q += l) {
		if (q != s && (isalnum((unsigned char)q[-1]) || q[-1] == '_'))
			continue;
		const char *r = q + l;
		while (*r == ' ')
			r++;
		if (*r == '=')
			return r + 1;
	}
	return NULL;
}

struct i18n_plural *i18n_plural_compile(const char *header_value, unsigned *nplurals)
{
	*nplurals = 0;
	if (!header_value)
		return NULL;
	const char *np = field(header_value, "nplurals");
	const char *pl = field(header_value, "plural");
	if (!np || !pl)
		return NULL;
	while (*np == ' ')
		np++;
	if (!isdigit((unsigned char)*np))
		return NULL;
	unsigned long count = strtoul(np, NULL, 10);
	if (count < 1 || count > 6)
		return NULL;
	struct i18n_plural *r = mem_calloc(1, sizeof *r);
	struct node *v = mem_calloc(PLURAL_MAX_NODES, sizeof *v);
	if (!r || !v) {
		mem_free(r);
		mem_free(v);
		return NULL;
	}
	struct parser p = {pl, v, 0, 0, false};
	int root = expr(&p);
	/* The expression ends at ';' (other header parts may follow) or at
	 * the end. */
	skip(&p);
	if (p.bad || root < 0 || (*p.s && *p.s != ';')) {
		mem_free(v);
		mem_free(r);
		return NULL;
	}
	r->v = v;
	r->n = p.n;
	r->root = root;
	*nplurals = (unsigned)count;
	return r;
}

static unsigned long eval(const struct node *v, int i, unsigned long n)
{
	const struct node *x = &v[i];
	unsigned long a = 0, b = 0;
	switch (x->op) {
	case OP_N: return n;
	case OP_NUM: return x->num;
	case OP_NOT: return !eval(v, x->a, n);
	case OP_AND: return eval(v, x->a, n) && eval(v, x->b, n);
	case OP_OR: return eval(v, x->a, n) || eval(v, x->b, n);
	case OP_COND: return eval(v, x->a, n) ? eval(v, x->b, n) : eval(v, x->c, n);
	default: break;
	}
	a = eval(v, x->a, n);
	b = eval(v, x->b, n);
	switch (x->op) {
	case OP_MUL: return a * b;
	case OP_DIV: return b ? a / b : 0;
	case OP_MOD: return b ? a % b : 0;
	case OP_ADD: return a + b;
	case OP_SUB: return a - b;
	case OP_LT: return a < b;
	case OP_LE: return a <= b;
	case OP_GT: return a > b;
	case OP_GE: return a >= b;
	case OP_EQ: return a == b;
	case OP_NE: return a != b;
	default: return 0;
	}
}

unsigned long i18n_plural_eval(const struct i18n_plural *p, unsigned long n)
{
	return p ? eval(p->v, p->root, n) : n != 1;
}

void i18n_plural_free(struct i18n_plural *p)
{
	if (!p)
		return;
	mem_free(p->v);
	mem_free(p);
}
