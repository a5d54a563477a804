@{
    Synopsis    = 'Collects a snapshot of a cluster''s network-relevant objects from manifests, a saved snapshot or a live cluster.'
    Description = @'
Get-NetSecSnapshot reads every network-relevant object once (namespaces, pods and workloads, services, ingresses and routes, NetworkPolicy, AdminNetworkPolicy, BaselineAdminNetworkPolicy, service-mesh and CNI policy, RBAC that guards policy) and returns an immutable Snapshot. Every other NetSecPS cmdlet takes a snapshot with -Snapshot or from the pipeline, so a cluster is read once and analysed many times.

From files, -Path takes YAML and JSON files or folders (walked recursively): multi-document YAML, List and *List kinds and kubectl get -o json|yaml dumps are all read. Files that are not Kubernetes objects are skipped with a warning naming the file; malformed YAML gives an error record with file, line and column, and the other files are still read. A path ending in .json.gz is read as a snapshot saved by Export-NetSecSnapshot.

Without -Path or -Snapshot, the live cluster of the current kubeconfig context is read (or -Context, -Kubeconfig, -InCluster).

The snapshot records its provenance (paths with the SHA-256 of each input file, or the cluster and server version, and the time) and its coverage: which kinds were read, which were forbidden or absent. Secret values are never read.
'@
    Parameters  = @{
        Path          = 'Manifest files or folders to read (wildcards allowed), or one saved snapshot (.json.gz).'
        LiteralPath   = 'Like -Path, without wildcard expansion.'
        Snapshot      = 'A snapshot already in memory; returned as is.'
        Context       = 'The kubeconfig context of the live cluster to read; the current context when omitted. Tab completion lists the contexts of the kubeconfig.'
        Kubeconfig    = 'The kubeconfig file; KUBECONFIG or ~/.kube/config when omitted.'
        InCluster     = 'Read the cluster this pod runs in, with its service-account token and CA.'
        PageSize      = 'Objects per page when listing a live cluster (limit/continue). Default 500.'
        SkipTlsVerify = 'Do not verify the API server''s certificate. Insecure: a warning is written every time.'
        Namespace     = 'Namespaces to read from a live cluster; all when omitted. Cluster-scoped objects are always read.'
    }
    Inputs      = @('NetSecPS.Snapshot')
    Examples    = @(
        @{
            Title   = 'Read the manifests of a repository'
            Code    = '$snap = Get-NetSecSnapshot -Path ./deploy/manifests; $snap.Coverage | Where-Object Status -ne Read'
            Remarks = 'Reads every YAML and JSON file under ./deploy/manifests once; the snapshot can then be passed to the analysis cmdlets. The second command lists the kinds that the input did not hold.'
        }
        @{
            Title   = 'Read a live cluster and save the snapshot for later analysis'
            Code    = 'Get-NetSecSnapshot -Context prod -Namespace payments, shop | Export-NetSecSnapshot -Path ./prod.json.gz'
            Remarks = 'Reads two namespaces (and the cluster-scoped objects) of the prod context and saves them as a compressed, versioned snapshot file.'
        }
        @{
            Title   = 'Show what could not be read'
            Code    = '(Get-NetSecSnapshot -Path ./samples).Diagnostics | Format-Table'
            Remarks = 'Every file that was skipped or malformed is listed with its file, line and column.'
        }
    )
    Links       = @('Export-NetSecSnapshot', 'Import-NetSecSnapshot', 'Get-NetSecInventory', 'about_NetSecPS')
}
