#include "counters.h"

static const char *const ctr_names[CTR_COUNT] = {
    [CTR_HANDSHAKES_OK] = "handshakes_ok",
    [CTR_REFUSED_VERIFY] = "handshake_refused_verify",
    [CTR_REFUSED_SCOPE] = "handshake_refused_scope",
    [CTR_REFUSED_EXPIRED] = "handshake_refused_expired",
    [CTR_REFUSED_REVOKED] = "handshake_refused_revoked",
    [CTR_REFUSED_KEYMISMATCH] = "handshake_refused_keymismatch",
    [CTR_REFUSED_NOT_CHILD] = "handshake_refused_not_child",
    [CTR_REFUSED_PROTO] = "handshake_refused_proto",
    [CTR_NO_HELLO] = "messages_before_hello",
    [CTR_INVALID_MESSAGES] = "invalid_messages",
    [CTR_OVERSIZE] = "oversize_frames",
    [CTR_BANS] = "bans",
    [CTR_BANNED_DROPPED] = "banned_messages_dropped",
    [CTR_ZAP_DENIED] = "zap_denied",
    [CTR_HS_FAILED_AUTH] = "curve_handshake_failed_auth",
    [CTR_HS_FAILED_PROTOCOL] = "curve_handshake_failed_protocol",
    [CTR_HS_FAILED_NO_DETAIL] = "curve_handshake_failed_other",
    [CTR_PARENT_REFUSED] = "parent_refused",
    [CTR_SESSIONS_DROPPED] = "sessions_dropped",
    [CTR_ZAP_ADDR_LIMITED] = "zap_refused_address",
    [CTR_PREHELLO_BUDGET] = "prehello_budget_bans",
    [CTR_STALE_DROPPED] = "stale_frames_dropped",
    [CTR_ITEMS_APPLIED] = "items_applied",
    [CTR_ITEMS_REFUSED] = "items_refused",
    [CTR_ITEMS_DUPLICATE] = "items_duplicate",
    [CTR_BAD_SIGNATURE] = "bad_signatures",
    [CTR_FRAMES_DUPLICATE] = "frames_duplicate",
    [CTR_GAPS] = "sequence_gaps",
    [CTR_RESENDS] = "resends",
    [CTR_BATCHES_COMMITTED] = "batches_committed",
    [CTR_FRAMES_REFUSING] = "frames_with_refusals",
    [CTR_FRAMES_CUT] = "frames_cut_at_refusal_cap",
    [CTR_QUOTA_REFUSED] = "quota_refused_messages",
    [CTR_APPLY_ISOLATED] = "apply_isolations",
    [CTR_APPLY_PEER_FAILED] = "apply_peer_failures",
    [CTR_PENALTIES] = "delivery_penalties",
    [CTR_ORIGIN_CHAIN_REFUSED] = "origin_chain_refused",
    [CTR_RESYNC_REQUEUED] = "resync_requeued",
    [CTR_RESYNC_MISSING] = "resync_missing",
    [CTR_ORIGIN_EPOCHS] = "origin_epochs",
};

const char *counters_name(enum ctr c)
{
	return (unsigned)c < CTR_COUNT ? ctr_names[c] : "?";
}
