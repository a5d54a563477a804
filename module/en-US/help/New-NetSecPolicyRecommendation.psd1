@{
    Synopsis    = 'Writes least-privilege NetworkPolicies (or the CNI''s own kind) from observed traffic, each verified by the connectivity engine.'
    Description = @'
New-NetSecPolicyRecommendation writes one policy per workload and direction that no policy isolates yet (a NetworkPolicy, a Cilium policy or a Calico tier that denies what its rules leave; in every namespace but kube-system, kube-public and kube-node-lease, or in the namespaces named with -Namespace). Each policy allows what the log shows forwarded for its workload, and nothing more:
- peers are selected by their workloads' stable labels (never pod-template-hash or other labels controllers vary per pod), with the namespace by kubernetes.io/metadata.name when it differs; addresses outside the cluster as /32 ipBlocks, or the smallest block holding them when more than 16 were seen;
- ports are named as the destination's pods name them;
- DNS egress to the cluster's DNS pods (UDP and TCP 53) is kept, and so are the paths an Ingress, Route or Gateway exposes from the ingress controller;
- an observed flow is never cut.

Every recommendation is verified before it is returned: the engine applies it to the snapshot and checks that every observed flow policy allowed is still allowed, that DNS and the exposed paths still are, and that it closes something. A policy that would fail is not returned and a warning says why. Applied together, the recommendations are verified once more.

Each PolicyRecommendation has the Namespace, the Workload, the Direction, the policy Name (<workload>-<direction>-from-traffic; a workload name that is no valid object name is cleaned and given a short hash), the Manifest (one YAML document for kubectl apply, starting with ---, with comments saying what it keeps and closes and why each rule is there; it is written by a YAML emitter, so names and labels taken from the cluster stay strings of the policy whatever characters they hold), ClosesPaths (how many allowed peer pairs it closes or narrows) and ClosedPaths (them as connlist lines), KeepsObserved, Allows (its rules) and Notes (DNS and Ingress kept, blocks widened).

-Kind chooses the kind of policy: NetworkPolicy (networking.k8s.io/v1), CiliumNetworkPolicy (cilium.io/v2: endpointSelector, toEndpoints/fromEndpoints with k8s:io.kubernetes.pod.namespace for another namespace, toCIDR/fromCIDR, toPorts; node addresses also by the host and remote-node entities, as Cilium identifies nodes) or CalicoNetworkPolicy (a projectcalico.org/v3 NetworkPolicy in the default tier: Calico selectors, namespaceSelector, nets, one Allow rule per peer and protocol). A CNI's own kind is written only where the snapshot runs that CNI (Cilium's agent, cilium-config or Cilium objects; calico-node or Calico objects): elsewhere nothing would enforce it, and the engine verifies a recommendation against the CNI that runs. Otherwise the cmdlet stops before reading any flow (error KindNotEnforced).
'@
    Parameters  = @{
        Path                    = 'Manifest files or folders of the cluster (wildcards allowed), or one saved snapshot (.json.gz).'
        LiteralPath             = 'Like -Path, without wildcard expansion.'
        Snapshot                = 'A snapshot from Get-NetSecSnapshot or Import-NetSecSnapshot.'
        Context                 = 'The kubeconfig context of the live cluster to read; the current context when omitted.'
        Kubeconfig              = 'The kubeconfig file; KUBECONFIG or ~/.kube/config when omitted.'
        InCluster               = 'Read the cluster this pod runs in, with its service-account token and CA.'
        PageSize                = 'Objects per page when listing a live cluster. Default 500.'
        SkipTlsVerify           = 'Do not verify the API server''s certificate (insecure; warned).'
        MaximumSnapshotSize = 'The most a saved snapshot given as -Path may inflate to, in bytes (2GB in PowerShell''s units works). Default 2GB; a snapshot of 50,000 pods inflates to about 300 MB, and one at Kubernetes'' scalability limit of 150,000 pods to about 0.9 GB. Reading stops with an error at the limit, so a small file that inflates a thousandfold cannot exhaust memory or time. Manifests have limits of their own (about_NetSecPS).'
        AllowInsecureHttp = 'Send the kubeconfig''s token or exec-plugin credential to an http:// server (refused without it; warned with it).'
        NetpolAnalyzerSemantics = 'netpol-analyzer semantics: evaluate host-network pods like any other pod and model {ingress-controller} as an unlabelled pod.'
        InputObject             = 'Observed flows from Import-NetSecFlowLog.'
        FlowLog                 = 'Flow log files or folders (wildcards allowed): Hubble JSON, Calico flow logs or CSV, recognised per file.'
        Format                  = 'The format of the -FlowLog files: Auto (default), Hubble, Calico or Csv.'
        Namespace               = 'Namespaces to write policies for (wildcards allowed); every namespace but kube-system, kube-public and kube-node-lease by default.'
        Kind                    = 'The kind of policy to write: NetworkPolicy (default), CiliumNetworkPolicy (where the snapshot runs Cilium) or CalicoNetworkPolicy (where it runs Calico).'
        Direction               = 'Ingress, Egress or both (default).'
    }
    Inputs      = @('NetSecPS.ObservedFlow', 'NetSecPS.Snapshot')
    Examples    = @(
        @{
            Title   = 'Least-privilege policies for the namespaces without any'
            Code    = 'New-NetSecPolicyRecommendation -Path ./samples/cluster -FlowLog ./samples/flows/hubble-observe.jsonl | Format-Table Workload, Direction, ClosesPaths, KeepsObserved'
            Remarks = 'Writes an ingress and an egress policy for each workload no policy isolates yet and shows how many paths each closes.'
        }
        @{
            Title   = 'Write the manifests of one namespace to files for review'
            Code    = 'New-NetSecPolicyRecommendation -Context prod -FlowLog ./samples/flows/hubble-observe.jsonl -Namespace monitoring | ForEach-Object { Set-Content -Path "./out/$($_.Name).yaml" -Value $_.Manifest }'
            Remarks = 'One YAML file per recommended policy, each with a comment saying what it keeps and what it closes.'
        }
        @{
            Title   = 'Egress only, from flows read earlier'
            Code    = '$snapshot = Get-NetSecSnapshot -Path ./samples/cluster; $flows = Import-NetSecFlowLog ./samples/flows/calico-flows.log; $flows | New-NetSecPolicyRecommendation -Snapshot $snapshot -Direction Egress'
            Remarks = 'Recommends egress policies only (DNS kept), from Calico flow logs.'
        }
        @{
            Title   = 'Calico NetworkPolicies for a cluster that runs Calico'
            Code    = 'New-NetSecPolicyRecommendation -Path ./samples/cluster -FlowLog ./samples/flows/calico-flows.log -Kind CalicoNetworkPolicy -Namespace data | Select-Object -ExpandProperty Manifest'
            Remarks = 'The sample cluster runs calico-node, so the policies are written as projectcalico.org/v3 NetworkPolicies in the default tier, verified by the engine as Calico evaluates them.'
        }
    )
    Links       = @('Compare-NetSecFlowLog', 'Import-NetSecFlowLog', 'Test-NetSecConnection', 'about_NetSecPS')
}
