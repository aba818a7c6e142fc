import { AutoAnswerDialect } from '../domain';

/**
 * Auto-answer headers per desk-phone dialect (SPEC §4). Phones honour different ones,
 * and each only when its own setting allows auto-answer/intercom:
 *   Polycom     Alert-Info: <http://HOST>;info=alert-autoanswer;delay=0
 *   Yealink     Alert-Info (as Polycom) or Call-Info: <sip:HOST>;answer-after=0
 *   Snom        Call-Info: <sip:HOST>;answer-after=0
 *   Grandstream Call-Info: <sip:HOST>;answer-after=0
 *   Cisco       Call-Info: <sip:HOST>;answer-after=0 (SPA/MPP "auto answer page")
 *   RFC 5373    Answer-Mode: Auto (with Priv-Answer-Mode absent: the callee may refuse)
 * The default sends the common set; each is ignored by phones that do not know it.
 */
export function autoAnswerHeaders(dialect: AutoAnswerDialect, host: string): Record<string, string> {
  const callInfo = `<sip:${host}>;answer-after=0`;
  const alertInfo = `<http://${host}>;info=alert-autoanswer;delay=0`;
  switch (dialect) {
    case 'polycom':
      return { 'Alert-Info': alertInfo };
    case 'yealink':
      return { 'Alert-Info': alertInfo, 'Call-Info': callInfo };
    case 'snom':
    case 'grandstream':
    case 'cisco':
      return { 'Call-Info': callInfo };
    case 'rfc5373':
      return { 'Answer-Mode': 'Auto' };
    case 'default':
      return { 'Call-Info': callInfo, 'Alert-Info': alertInfo, 'Answer-Mode': 'Auto' };
  }
}

/** Header names that betray an auto-answer request: never sent to a remote (PSTN) phone. */
export const AUTO_ANSWER_HEADER_NAMES = ['Call-Info', 'Alert-Info', 'Answer-Mode'] as const;
