// The PersistentVolume binder with a pretend provisioner (pkg/controller/volume/persistentvolume):
// a claim binds to a fresh volume unless its StorageClass waits for a first consumer. A claim
// without a class takes the default class (RetroactiveDefaultStorageClass, GA in 1.28) or binds as is.
import type { Obj, ResourceInfo, StoreEvent } from '../../contracts.ts';
import { get, objAt, str } from '../util.ts';
import { isDeleting, manager, type Runtime, uidOf } from './runtime.ts';

const provisionerFallback = 'sandbox.csi.k8s.io';

export class VolumeController {
  constructor(private readonly rt: Runtime) {}

  onEvent(e: StoreEvent): void {
    if (e.resource.group !== '' || e.resource.kind !== 'PersistentVolumeClaim') return;
    const ns = str(e.object, 'metadata', 'namespace') ?? '';
    const name = str(e.object, 'metadata', 'name') ?? '';
    if (e.type === 'DELETED') this.rt.enqueue(`pvc-gone/${uidOf(e.object)}`, () => this.release(e.object));
    else this.rt.enqueue(`pvc/${ns}/${name}`, () => this.reconcile(e.resource, ns, name));
  }

  private storageClass(name: string | undefined): Obj | undefined {
    const info = this.rt.res('storage.k8s.io', 'StorageClass');
    if (!info) return undefined;
    if (name !== undefined) return this.rt.host.get(info, undefined, name);
    return this.rt.host.list(info).find((sc) => {
      const ann = objAt(sc, 'metadata', 'annotations') ?? {};
      return ann['storageclass.kubernetes.io/is-default-class'] === 'true';
    });
  }

  private reconcile(info: ResourceInfo, ns: string, name: string): void {
    let pvc = this.rt.host.get(info, ns, name);
    if (!pvc || isDeleting(pvc) || get(pvc, 'status', 'phase') === 'Bound' || str(pvc, 'spec', 'volumeName')) return;
    let className = str(pvc, 'spec', 'storageClassName');
    if (get(pvc, 'spec', 'storageClassName') === undefined) {
      const dflt = this.storageClass(undefined);
      const dname = str(dflt, 'metadata', 'name');
      if (dname !== undefined) {
        pvc = this.rt.host.update(info, { ...pvc, spec: { ...(pvc.spec as Obj), storageClassName: dname } }, manager);
        className = dname;
      }
    }
    const sc = className ? this.storageClass(className) : undefined;
    if (get(sc, 'volumeBindingMode') === 'WaitForFirstConsumer') return;
    this.bind(info, pvc, sc, className);
  }

  private bind(info: ResourceInfo, pvc: Obj, sc: Obj | undefined, className: string | undefined): void {
    const pvInfo = this.rt.res('', 'PersistentVolume');
    if (!pvInfo) return;
    const pvName = `pvc-${uidOf(pvc)}`;
    const storage = get(pvc, 'spec', 'resources', 'requests', 'storage') ?? '1Gi';
    const accessModes = get(pvc, 'spec', 'accessModes') ?? ['ReadWriteOnce'];
    const provisioner = str(sc, 'provisioner') ?? provisionerFallback;
    if (!this.rt.host.get(pvInfo, undefined, pvName)) {
      const spec: Obj = {
        accessModes,
        capacity: { storage },
        claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', name: str(pvc, 'metadata', 'name'), namespace: str(pvc, 'metadata', 'namespace'), resourceVersion: str(pvc, 'metadata', 'resourceVersion'), uid: uidOf(pvc) },
        hostPath: { path: `/var/lib/sandbox/volumes/${pvName}`, type: '' },
        persistentVolumeReclaimPolicy: str(sc, 'reclaimPolicy') ?? 'Delete',
        volumeMode: str(pvc, 'spec', 'volumeMode') ?? 'Filesystem',
      };
      if (className) spec.storageClassName = className;
      const pv = this.rt.host.create(pvInfo, { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: pvName, annotations: { 'pv.kubernetes.io/provisioned-by': provisioner } }, spec }, manager);
      this.rt.writeStatus(pvInfo, pv, { phase: 'Bound' });
    }
    const meta = { ...(pvc.metadata as Obj) };
    meta.annotations = {
      ...((meta.annotations as Obj | undefined) ?? {}),
      'pv.kubernetes.io/bind-completed': 'yes',
      'pv.kubernetes.io/bound-by-controller': 'yes',
      ...(sc ? { 'volume.beta.kubernetes.io/storage-provisioner': provisioner, 'volume.kubernetes.io/storage-provisioner': provisioner } : {}),
    };
    const bound = this.rt.host.update(info, { ...pvc, metadata: meta, spec: { ...(pvc.spec as Obj), volumeName: pvName } }, manager);
    this.rt.writeStatus(info, bound, { phase: 'Bound', accessModes, capacity: { storage } });
  }

  /** A deleted claim releases its volume: deleted with reclaimPolicy Delete, Released otherwise. */
  private release(pvc: Obj): void {
    const pvInfo = this.rt.res('', 'PersistentVolume');
    if (!pvInfo) return;
    for (const pv of this.rt.host.list(pvInfo)) {
      if (get(pv, 'spec', 'claimRef', 'uid') !== uidOf(pvc)) continue;
      const name = str(pv, 'metadata', 'name') ?? '';
      if (get(pv, 'spec', 'persistentVolumeReclaimPolicy') === 'Delete') this.rt.host.delete(pvInfo, undefined, name);
      else this.rt.writeStatus(pvInfo, pv, { phase: 'Released' });
    }
  }
}
