@{
    Synopsis    = 'Lists the network-relevant objects of a cluster as typed records.'
    Description = @'
Get-NetSecInventory returns one record per namespace, workload, service, policy, ingress or route and other network-relevant object, each with a table view. Workloads are resolved from pods through their owner references (Pod -> ReplicaSet -> Deployment, Job -> CronJob, StatefulSet, DaemonSet, ReplicationController, or the bare Pod) or, when the input has no pods for them, from the workload's pod template; each is named as connectivity output names it (namespace/name[Kind]).

Record types: NamespaceItem, WorkloadItem, ServiceItem, PolicyItem (NetworkPolicy, AdminNetworkPolicy, BaselineAdminNetworkPolicy, Cilium and Calico policies), ExposureItem (Ingress, Route, Gateway API) and OtherItem (kinds the client does not model are kept and listed here too).

A mixed inventory is shown as one table (Kind, Namespace, Name, Details), where Details sums up each record in one line. When the output holds one record type only (for example -Kind Workload or -Kind Service), that type's own table is shown. Every view can also be chosen with Format-Table -View Namespace, Workload, Service, Policy, Exposure or Other; all the data stays on the records (Format-List * shows it).
'@
    Parameters  = @{
        Path          = 'Manifest files or folders to read (wildcards allowed), or one saved snapshot (.json.gz).'
        LiteralPath   = 'Like -Path, without wildcard expansion. Files piped from Get-ChildItem bind here and are read together, as one input.'
        MaximumSnapshotSize = 'The most a saved snapshot given as -Path may inflate to, in bytes (2GB in PowerShell''s units works). Default 2GB; a snapshot of 50,000 pods inflates to about 300 MB, and one at Kubernetes'' scalability limit of 150,000 pods to about 0.9 GB. Reading stops with an error at the limit, so a small file that inflates a thousandfold cannot exhaust memory or time. Manifests have limits of their own (about_NetSecPS).'
        Snapshot      = 'A snapshot from Get-NetSecSnapshot or Import-NetSecSnapshot.'
        Context       = 'The kubeconfig context of the live cluster to read; the current context when omitted.'
        Kubeconfig    = 'The kubeconfig file; KUBECONFIG or ~/.kube/config when omitted.'
        InCluster     = 'Read the cluster this pod runs in, with its service-account token and CA.'
        PageSize      = 'Objects per page when listing a live cluster. Default 500.'
        SkipTlsVerify = 'Do not verify the API server''s certificate (insecure; warned).'
        AllowInsecureHttp = 'Send the kubeconfig''s token or exec-plugin credential to an http:// server (refused without it; warned with it).'
        Kind          = 'Kinds to return, wildcards allowed: Namespace, Workload (every workload kind), Deployment, Service, NetworkPolicy, AdminNetworkPolicy, Ingress, Route, ...'
        Namespace     = 'Namespaces to return, wildcards allowed. Cluster-scoped objects have no namespace and are left out when this is given.'
    }
    Inputs      = @('NetSecPS.Snapshot')
    Examples    = @(
        @{
            Title   = 'Inventory of the demo cluster'
            Code    = 'Get-NetSecInventory -Path ./samples/cluster -Kind Workload'
            Remarks = 'The workloads of the demo cluster with their ports and pods.'
        }
        @{
            Title   = 'Policies of one namespace from a saved snapshot'
            Code    = @'
Get-NetSecSnapshot -Path ./samples/cluster | Export-NetSecSnapshot -Path ./demo.json.gz -Force
Import-NetSecSnapshot ./demo.json.gz | Get-NetSecInventory -Kind *NetworkPolicy -Namespace payments
'@
            Remarks = 'NetworkPolicy, AdminNetworkPolicy and BaselineAdminNetworkPolicy objects that apply in payments.'
        }
        @{
            Title   = 'Count objects per kind'
            Code    = 'Get-NetSecInventory -Path ./samples/cluster | Group-Object Kind -NoElement | Sort-Object Count -Descending'
            Remarks = 'How many objects of each kind the input holds.'
        }
        @{
            Title   = 'Exposed services of some namespaces, with wildcards'
            Code    = 'Get-NetSecInventory -Path ./samples/cluster -Kind Service -Namespace pay*, shop | Where-Object Type -ne ClusterIP'
            Remarks = 'LoadBalancer and NodePort Services of payments and shop.'
        }
    )
    Links       = @('Get-NetSecSnapshot', 'Get-NetSecConnectivity', 'about_NetSecPS')
}
