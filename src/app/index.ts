/**
 * The application layer, as `src/index.ts` wires it:
 *
 *   const service = new SupervisionService({ store, signaling, media, logger, config, metrics });
 *   const directory = new DirectoryService({ store, config });
 *   await bootstrapDirectory({ store, directory, config, logger });   // DIRECTORY_FILE, if set
 *   await service.start();                 // lease refresher, and commands forwarded by other instances
 */
export { SupervisionService } from './supervision-service';
export { DirectoryService, toDomainUser } from './directory-service';
export { CallQueries } from './call-queries';
export { EventTickets, EVENT_TICKET_TTL_SEC } from './event-tickets';
export { Metrics } from './metrics';
export { AppError } from './errors';
export type { AppErrorCode } from './errors';
export type { AppDeps, Clock } from './deps';
export type { CallChange } from './call-events';
export { bootstrapDirectory, parseDirectoryFile, DirectoryFileError } from './directory-file';
export type { FileProblem, BootstrapMode } from './directory-file';
export { newToken, sha256Hex } from './credentials';
export type { SignalingPort, MediaPort, DialRequest, DialEvent } from './ports';
export { AdmissionControl, ADMIT_ALL } from './admission';
export type { AdmissionPort, AdmissionSources } from './admission';
