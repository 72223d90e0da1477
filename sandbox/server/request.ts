import { queryBool } from './query.ts';

/** What a request addresses, as apiserver's RequestInfoFactory splits the path. */
export interface RequestInfo {
  isResource: boolean;
  path: string;
  verb: string;
  group: string;
  version: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
}

const namespaceSubresources = new Set(['status', 'finalize']);

export function requestInfo(method: string, path: string, params: URLSearchParams): RequestInfo {
  const parts = path.split('/').filter(Boolean);
  const plain: RequestInfo = { isResource: false, path, verb: method.toLowerCase(), group: '', version: '', resource: '' };
  let rest: string[];
  let group = '';
  let version: string | undefined;
  if (parts[0] === 'api' && parts.length >= 3) { version = parts[1]; rest = parts.slice(2); }
  else if (parts[0] === 'apis' && parts.length >= 4) { group = parts[1]!; version = parts[2]; rest = parts.slice(3); }
  else return plain;
  let watchPath = false;
  if (rest[0] === 'watch') { watchPath = true; rest = rest.slice(1); }
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length > 1) {
    namespace = rest[1];
    if (rest.length > 2 && !namespaceSubresources.has(rest[2]!)) rest = rest.slice(2);
  }
  const [resource, name, subresource] = rest;
  const info: RequestInfo = { isResource: true, path, verb: '', group, version: version!, resource: resource!, namespace, name, subresource };
  if (resource === 'namespaces' && namespace !== undefined) { info.name = namespace; info.namespace = undefined; }
  if (rest.length > 3) info.subresource = rest.slice(2).join('/');
  const watch = watchPath || queryBool(params, 'watch');
  switch (method) {
    case 'GET': case 'HEAD': info.verb = watch ? 'watch' : info.name ? 'get' : 'list'; break;
    case 'POST': info.verb = 'create'; break;
    case 'PUT': info.verb = 'update'; break;
    case 'PATCH': info.verb = 'patch'; break;
    case 'DELETE': info.verb = info.name ? 'delete' : 'deletecollection'; break;
    default: info.verb = method.toLowerCase();
  }
  return info;
}
