#include "err.h"

struct errdesc {
	int code;
	const char *name;
	const char *text;
};

static const struct errdesc errs[] = {
    {CN_OK, "ok", "success"},
    {CN_ENOMEM, "nomem", "out of memory"},
    {CN_EIO, "io", "input/output error"},
    {CN_EINVAL, "invalid", "invalid input"},
    {CN_ENOTFOUND, "notfound", "not found"},
    {CN_EPERM, "perm", "permission denied"},
    {CN_ECRYPTO, "crypto", "cryptographic operation failed"},
    {CN_EVERIFY, "verify", "verification failed"},
    {CN_ESCOPE, "scope", "outside the permitted scope"},
    {CN_EREVOKED, "revoked", "certificate revoked"},
    {CN_EEXPIRED, "expired", "certificate expired or not yet valid"},
    {CN_ESTORE, "store", "storage error"},
    {CN_ECONFIG, "config", "configuration error"},
    {CN_EPROTO, "proto", "malformed or unexpected message"},
    {CN_ETOOBIG, "toobig", "message too large"},
    {CN_EUNREACH, "unreachable", "node not reachable"},
    {CN_EEXIST, "exists", "already exists"},
    {CN_EMAPFULL, "mapfull", "storage map full"},
    {CN_EKEYMISMATCH, "keymismatch", "certificate CURVE key differs from the connection's key"},
    {CN_EROLE, "role", "not allowed for this role"},
    {CN_EBANNED, "banned", "peer banned"},
    {CN_ETIMEOUT, "timeout", "timed out"},
    {CN_EUSAGE, "usage", "usage error"},
    {CN_ENOTREADY, "notready", "handshake not complete"},
    {CN_ESTOPPED, "stopped", "the node stopped before it answered"},
};

static const struct errdesc *find(int err)
{
	for (unsigned i = 0; i < sizeof(errs) / sizeof(errs[0]); i++)
		if (errs[i].code == err)
			return &errs[i];
	return 0;
}

const char *cn_strerror(int err)
{
	const struct errdesc *d = find(err);
	return d ? d->text : "unknown error";
}

const char *cn_errname(int err)
{
	const struct errdesc *d = find(err);
	return d ? d->name : "unknown";
}

int cn_exit_code(int err)
{
	switch (err) {
	case CN_OK:
		return 0;
	case CN_EUSAGE:
		return CN_EXIT_USAGE;
	case CN_EPERM:
	case CN_ENOTFOUND:
	case CN_EVERIFY:
	case CN_ESCOPE:
	case CN_EREVOKED:
	case CN_EEXPIRED:
	case CN_EKEYMISMATCH:
	case CN_EROLE:
	case CN_EINVAL:
	case CN_ETOOBIG:
	case CN_EEXIST:
		return CN_EXIT_REFUSED;
	default:
		return CN_EXIT_OTHER;
	}
}
