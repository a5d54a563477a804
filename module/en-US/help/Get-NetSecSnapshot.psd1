@{
    Synopsis    = 'Collects a snapshot of a cluster''s network-relevant objects from manifests, a saved snapshot or a live cluster.'
    Description = @'
Get-NetSecSnapshot reads every network-relevant object once (namespaces, pods and workloads, services, ingresses and routes, NetworkPolicy, AdminNetworkPolicy, BaselineAdminNetworkPolicy, service-mesh and CNI policy, RBAC that guards policy) and returns an immutable Snapshot. Every other NetSecPS cmdlet takes a snapshot with -Snapshot or from the pipeline, so a cluster is read once and analysed many times.

From files, -Path takes YAML and JSON files or folders (walked recursively): multi-document YAML, List and *List kinds and kubectl get -o json|yaml dumps are all read. Files that are not Kubernetes objects are skipped with a warning naming the file; malformed YAML gives an error record with file, line and column, and the other files are still read. A path ending in .json.gz is read as a snapshot saved by Export-NetSecSnapshot.

Without -Path or -Snapshot, the live cluster of the current kubeconfig context is read (or -Context, -Kubeconfig, -InCluster). KUBECONFIG may name several files, merged as kubectl merges them; without any kubeconfig, a pod uses its service account. Credentials are used the way kubectl uses them: token, tokenFile (read again when it changes), client-certificate and client-key as files or inline data, exec credential plugins (client.authentication.k8s.io/v1 and v1beta1, with their args and env, run without a terminal, cached until their expirationTimestamp and run again once when the server rejects the credential, stopped with the processes they started when they take longer than two minutes), impersonation (as, as-groups) and, in a pod, the service-account token (re-read when the kubelet rotates it), CA and namespace. The API server's certificate is verified against the kubeconfig's certificate authority and must carry the server's name or the cluster's tls-server-name; proxy-url (http, https, socks5) is honoured, as are HTTPS_PROXY and NO_PROXY. No credential, and nothing an exec plugin prints, ever appears in any output, error or saved snapshot; a token is never sent to an http:// server unless -AllowInsecureHttp is given.

Before anything is listed, the server must prove it is Kubernetes: /version has to answer with a Kubernetes version and the core API (/api, /api/v1) has to be discoverable. A web server, a login page or a wrong URL stops the read with a ClusterUnavailable error instead of passing for an empty, healthy cluster.

A live read first discovers which APIs the cluster serves: an optional API that is not installed (AdminNetworkPolicy, Istio, Linkerd, Cilium, Calico, Gateway API, OpenShift routes) is recorded as Absent, not as an error. Every kind is then listed in pages of -PageSize objects, several kinds at a time, with one progress line per kind. A busy or flaky API server is retried with backoff: 429 after the server's Retry-After, 5xx, timeouts and dropped connections, within a bounded number of attempts; an expired continue token (410) starts that list again without counting objects twice. A kind the server refuses (403) is recorded as Forbidden with the server's message and a warning, and the read goes on; a kind that still fails after the retries is recorded as Error. A 401 stops the read with an authentication error, an untrusted server certificate with a security error. Secrets are never requested.

The snapshot records its provenance (paths with the SHA-256 of each input file, or the cluster and server version, and the time) and its coverage: which kinds were read, which were forbidden or absent. Secret values are never read.
'@
    Parameters  = @{
        Path          = 'Manifest files or folders to read (wildcards allowed), or one saved snapshot (.json.gz).'
        LiteralPath   = 'Like -Path, without wildcard expansion. Files piped from Get-ChildItem bind here and are read together, as one input.'
        MaximumSnapshotSize = 'The most a saved snapshot given as -Path may inflate to, in bytes (2GB in PowerShell''s units works). Default 2GB; a snapshot of 50,000 pods inflates to about 300 MB, and one at Kubernetes'' scalability limit of 150,000 pods to about 0.9 GB. Reading stops with an error at the limit, so a small file that inflates a thousandfold cannot exhaust memory or time. Manifests have limits of their own (about_NetSecPS).'
        Snapshot      = 'A snapshot already in memory; returned as is.'
        Context       = 'The kubeconfig context of the live cluster to read; the current context when omitted. Tab completion lists the contexts of the kubeconfig. The snapshot''s provenance records the context, its cluster, the server URL and the server version.'
        Kubeconfig    = 'The kubeconfig file; when omitted, the files KUBECONFIG names (merged), else ~/.kube/config, else the pod''s service account when running in a cluster.'
        InCluster     = 'Read the cluster this pod runs in, with its service-account token and CA.'
        PageSize      = 'Objects per page when listing a live cluster (limit/continue). Default 500. Smaller pages put less load on the API server per request; larger ones need fewer requests.'
        SkipTlsVerify = 'Do not verify the API server''s certificate against the kubeconfig''s certificate authority. Insecure: a warning is written every time. A kubeconfig that itself sets insecure-skip-tls-verify is warned about too.'
        AllowInsecureHttp = 'Send the kubeconfig''s bearer token, password or exec-plugin credential to a server whose URL is http:// (plain HTTP). Without it such a read is refused before anything is sent, because anyone on the network path could read and replay the credential; with it, a warning is written every time. A server reached over http:// without credentials (kubectl proxy on this machine) needs no switch.'
        Namespace     = 'Namespaces to read from a live cluster; all when omitted. Cluster-scoped objects are always read.'
    }
    Inputs      = @('NetSecPS.Snapshot')
    Examples    = @(
        @{
            Title   = 'Read the manifests of a repository'
            Code    = '$snap = Get-NetSecSnapshot -Path ./samples/cluster; $snap.Coverage | Where-Object Status -ne Read'
            Remarks = 'Reads every manifest under the folder and lists the kinds the input did not hold.'
        }
        @{
            Title   = 'Paths from the pipeline are one cluster'
            Code    = '''./samples/cluster/shop'', ''./samples/cluster/payments'' | Get-NetSecSnapshot'
            Remarks = 'Folders or files piped as text are read together, as one snapshot.'
        }
        @{
            Title   = 'Read a live cluster and save the snapshot for later analysis'
            Code    = 'Get-NetSecSnapshot -Context prod -Namespace payments, shop | Export-NetSecSnapshot -Path ./prod.json.gz -Force'
            Remarks = 'Reads two namespaces (and the cluster-scoped kinds) of the cluster of the kube context prod.'
        }
        @{
            Title   = 'Read a cluster and list the kinds that could not be read, and why'
            Code    = '$snap = Get-NetSecSnapshot -Context prod -Verbose; $snap.Coverage | Where-Object Status -in Forbidden, Error, Partial | Format-Table Kind, ApiVersion, Status, Message'
            Remarks = 'Coverage says which kinds the credentials could not list; checks that depend on them are reported as not verified.'
        }
        @{
            Title   = 'Show what could not be read'
            Code    = '(Get-NetSecSnapshot -Path ./samples).Diagnostics | Format-Table'
            Remarks = 'Files under samples that are not Kubernetes objects (this script, the READMEs) are skipped with a warning each; malformed YAML would be an error with its file and line.'
        }
    )
    Links       = @('Export-NetSecSnapshot', 'Import-NetSecSnapshot', 'Get-NetSecInventory', 'about_NetSecPS')
}
