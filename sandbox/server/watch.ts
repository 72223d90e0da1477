import type { Obj, ResourceInfo } from '../contracts.ts';
import type { Cluster } from './cluster.ts';
import { badRequest, invalid } from './status.ts';
import { bucketKey, metaOf, type StoredEvent } from './store.ts';
import { queryBool } from './query.ts';
import type { Response } from './transport.ts';

export interface WatchRequest {
  info: ResourceInfo;
  namespace?: string;
  matches: (obj: Obj) => boolean;
  params: URLSearchParams;
  /** Wraps each object as the client asked (Table rows, PartialObjectMetadata, or as is). */
  shape: (obj: Obj) => Obj;
  /** Extra response headers (Warning). */
  headers?: Record<string, string[]>;
}

/**
 * A watch as the watch cache serves it: ADDED for current objects unless resuming from a
 * resourceVersion, ERROR 410 Expired for versions too old, bookmarks, sendInitialEvents with the
 * `k8s.io/initial-events-end` bookmark, and timeoutSeconds.
 */
export function serveWatch(cluster: Cluster, res: Response, w: WatchRequest, onClose: (fn: () => void) => void): void {
  const { info, params } = w;
  const rv = params.get('resourceVersion') ?? '';
  const sendInitial = queryBool(params, 'sendInitialEvents');
  const bookmarks = queryBool(params, 'allowWatchBookmarks');
  if (params.has('sendInitialEvents')) {
    if (params.get('resourceVersionMatch') !== 'NotOlderThan') throw invalid({ ...info, kind: 'ListOptions', group: 'meta.k8s.io' }, '', [{ reason: 'FieldValueForbidden', message: "Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan", field: 'sendInitialEvents' }]);
    if (sendInitial && !bookmarks) throw invalid({ ...info, kind: 'ListOptions', group: 'meta.k8s.io' }, '', [{ reason: 'FieldValueForbidden', message: 'Forbidden: sendInitialEvents requires setting allowWatchBookmarks to true', field: 'allowWatchBookmarks' }]);
  }
  if (rv && !/^\d+$/.test(rv)) throw badRequest(`invalid resource version: ${rv}`);
  const key = bucketKey(info);
  const inScope = (o: Obj): boolean => !w.namespace || !info.namespaced || metaOf(o).namespace === w.namespace;
  const stream = res as { write(chunk: string): boolean };
  // An HTTP/2 stream the client reset can be closed before 'close' reaches the watch: nothing to send.
  const gone = (): boolean => 'stream' in res && (res.stream.destroyed || res.stream.closed);
  const write = (type: string, object: Obj): void => {
    if (gone()) return;
    stream.write(`${JSON.stringify({ type, object })}\n`);
  };
  const deliver = (e: StoredEvent): void => {
    if (bucketKey(e.resource) !== key || !inScope(e.object)) return;
    const now = w.matches(e.object);
    const before = e.old ? w.matches(e.old) : false;
    const object = w.shape(cluster.view(info, e.object));
    if (e.type === 'MODIFIED' && now && !before) write('ADDED', object);
    else if (e.type === 'MODIFIED' && !now && before) write('DELETED', object);
    else if (now) write(e.type, object);
  };
  const bookmark = (annotations?: Record<string, string>): void => {
    write('BOOKMARK', { kind: info.kind, apiVersion: cluster.apiVersion(info), metadata: { resourceVersion: String(cluster.store.resourceVersion), ...(annotations ? { annotations } : {}) } });
  };

  // No Transfer-Encoding: HTTP/1.1 chunks a body of unknown length by itself, and HTTP/2 forbids the header.
  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', ...w.headers });
  // HTTP/2 sends the headers with writeHead; HTTP/1.1 would hold them for the first event.
  if ('flushHeaders' in res) res.flushHeaders();

  const fromNow = !rv || rv === '0' || sendInitial;
  let replay: StoredEvent[] = [];
  if (!fromNow) {
    const since = cluster.store.since(Number(rv));
    if (since === undefined) {
      write('ERROR', { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `too old resource version: ${rv} (${cluster.store.oldestResumable})`, reason: 'Expired', code: 410 });
      res.end();
      return;
    }
    replay = since;
  }
  if (fromNow) {
    for (const o of cluster.store.list(info, w.namespace)) if (w.matches(o)) write('ADDED', w.shape(cluster.view(info, o)));
    if (sendInitial) bookmark({ 'k8s.io/initial-events-end': 'true' });
  } else for (const e of replay) deliver(e);
  const unsubscribe = cluster.store.subscribe(deliver);
  const timers: NodeJS.Timeout[] = [];
  const finish = (): void => {
    unsubscribe();
    for (const t of timers) clearTimeout(t);
    if (!res.writableEnded) res.end();
  };
  const timeout = Number(params.get('timeoutSeconds') ?? '0');
  if (timeout > 0) timers.push(setTimeout(finish, timeout * 1000));
  if (bookmarks) {
    const interval = setInterval(() => bookmark(), 60_000);
    timers.push(interval as unknown as NodeJS.Timeout);
  }
  onClose(finish);
}
