import type Srf from 'drachtio-srf';
import type { Logger } from 'pino';
import type { AdmissionPort } from '../app/admission';
import type { CallMediaPort } from '../app/ports';
import type { Acl } from './acl';
import type { AgentAcl } from './agent-acl';
import type { SipAuthThrottle } from './auth-throttle';
import type { HeldDialogs } from './held-dialogs';
import type { LiveCalls } from './live-call';
import type { CallObserver, RegistrationStore, SipDirectory } from './ports';

/** Everything a SIP flow needs, built once in src/sip/sip-app.ts. */
export interface SipSettings {
  domain: string;
  trunkUri: string | undefined;
  fallbackUri: string | undefined;
  agentRingTimeoutSec: number;
  registerMaxExpiresSec: number;
  emergencyNumbers: string[];
  confirmTimeoutSec: number;
  confirmPrompt: string;
}

export interface SipContext {
  srf: Srf;
  media: CallMediaPort;
  calls: LiveCalls;
  /** The dialogs this instance holds, for a survivor to hang up if it dies. */
  held: HeldDialogs;
  directory: SipDirectory;
  registrations: RegistrationStore;
  observer: CallObserver;
  trunkAcl: Acl;
  agentAcl: AgentAcl;
  /** Failed digest attempts per username and source (REGISTER, phones' INVITEs). */
  authThrottle: SipAuthThrottle;
  settings: SipSettings;
  /** Whether a new call may start (src/sip/admission.ts). */
  admission: AdmissionPort;
  log: Logger;
  newId(): string;
}
