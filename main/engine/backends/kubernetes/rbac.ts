// The namespaced Role and RoleBinding the Kubernetes backend needs, nothing cluster-wide: pods (create, watch,
// delete), their logs and exec (logs, outputs, graceful stop), headless services (distributed runs), config
// maps (Axon's Python client) and events (why a pod waits). Listing nodes (capacity, kind detection) and the
// kubelet's summary API (resources) are optional: without them Axon runs without the capacity check and
// without CPU/memory samples.
import { stringify } from 'yaml';

export function rbacManifest(
  namespace: string,
  subject: { kind: 'User' | 'ServiceAccount' | 'Group'; name: string },
) {
  const role = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name: 'axon-runner', namespace },
    rules: [
      {
        apiGroups: [''],
        resources: ['pods'],
        verbs: ['get', 'list', 'watch', 'create', 'delete', 'deletecollection'],
      },
      { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
      { apiGroups: [''], resources: ['pods/exec'], verbs: ['create', 'get'] },
      { apiGroups: [''], resources: ['services'], verbs: ['get', 'create', 'delete'] },
      { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'create'] },
      { apiGroups: [''], resources: ['events'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: ['metrics.k8s.io'], resources: ['pods'], verbs: ['get'] },
    ],
  };
  const binding = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'axon-runner', namespace },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'axon-runner' },
    subjects: [
      subject.kind === 'ServiceAccount'
        ? { kind: 'ServiceAccount', name: subject.name, namespace }
        : { kind: subject.kind, name: subject.name, apiGroup: 'rbac.authorization.k8s.io' },
    ],
  };
  return `${stringify(role)}---\n${stringify(binding)}`;
}
