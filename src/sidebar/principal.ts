/**
 * Who a caller ARN names, in words: "Role ResearcherRole · session jdoe" reads better
 * in a narrow sidebar than `arn:aws:sts::123456789012:assumed-role/ResearcherRole/jdoe`
 * (the full ARN stays in the tooltip and can be copied).
 */
import { TranslationBundle } from '@jupyterlab/translation';

/** An IAM Identity Center role: `AWSReservedSSO_<permission set>_<16 hex digits>`. */
const SSO_ROLE = /^AWSReservedSSO_(.+)_[0-9a-f]{16}$/;
/** `arn:<partition>:<sts|iam>::<account>:<resource>`. */
const CALLER_ARN = /^arn:aws[a-z-]*:(?:sts|iam)::\d*:(.+)$/;

/** The last part of a path-like IAM name (`user/team/alice` -> `alice`). */
function lastPart(parts: string[]): string {
  return parts[parts.length - 1] ?? '';
}

/** A role's name as people know it: the permission set of an SSO role. */
function roleName(role: string, trans: TranslationBundle): string {
  const sso = SSO_ROLE.exec(role);
  return sso ? trans.__('%1 (IAM Identity Center)', sso[1]) : role;
}

/**
 * The caller in words: role and session for an assumed role, the user name for an IAM
 * user, the root user; the ARN itself when it is of no known shape.
 */
export function principalLabel(arn: string, trans: TranslationBundle): string {
  const match = CALLER_ARN.exec(arn);
  if (!match) {
    return arn;
  }
  const [kind, ...rest] = match[1].split('/');
  if (kind === 'root' && rest.length === 0) {
    return trans.__("The account's root user");
  }
  if (kind === 'assumed-role' && rest.length >= 2) {
    const session = rest.slice(1).join('/');
    return trans.__('Role %1 · session %2', roleName(rest[0], trans), session);
  }
  if (kind === 'role' && rest.length >= 1) {
    return trans.__('Role %1', roleName(lastPart(rest), trans));
  }
  if (kind === 'user' && rest.length >= 1) {
    return trans.__('User %1', lastPart(rest));
  }
  if (kind === 'federated-user' && rest.length >= 1) {
    return trans.__('Federated user %1', lastPart(rest));
  }
  return arn;
}
