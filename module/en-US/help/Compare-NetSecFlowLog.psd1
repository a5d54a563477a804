@{
    Synopsis    = 'Compares observed flows with what the cluster''s policies allow: what is used, what is denied, what is open for nothing.'
    Description = @'
Compare-NetSecFlowLog evaluates every observed peer pair and port against every policy layer the cluster enforces (as Test-NetSecConnection does) and lists every allowed connection no flow used. It returns one FlowComparison per workload pair and port (or unused port range) with a Category:
- ObservedAllowed: the flow was seen and policy allows it.
- ObservedDenied: the flow was seen and policy denies it. LogVerdict says whether the log shows it Dropped; when the log says Forwarded, the analysis and the datapath disagree and DatapathDisagrees is set (a policy the snapshot does not hold, a CNI that does not enforce, a stale snapshot). A flow the Istio mesh denies (Layer Mesh) is no disagreement: the CNI forwards it and the destination's sidecar refuses it, which a flow log does not see.
- UnusedAllowed: policy allows the port range and no flow used it in the log's window: what to tighten.
- Unresolved: an end the snapshot does not hold (with the Reason), traffic from a node to its own pods, or a protocol policies do not name (ICMP).

Each record has Source and Destination (peer names as in connectivity output: namespace/name[Kind], first-last[External], {ingress-controller}), Protocol, Port and EndPort (Connections as connlist writes them), Observed (flows, a connection seen leaving its source and arriving at its destination counted once), Forwarded, Dropped, Audited, LogVerdict, the deciding Layer, Policy, Rule and Explanation (for an unused range, of its first port), the policies the log names, FirstSeen, LastSeen, and the Evidence (the first file and line that shows it). An observed flow of the ingress controller's own pods also counts as a use of the {ingress-controller} path.

The flows come from -FlowLog files (read as a stream: millions of lines in bounded memory) or from Import-NetSecFlowLog through the pipeline; the cluster from -Path, -Snapshot or the live cluster. Unresolved ends are warned about once each.
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
        Category                = 'Categories to return: ObservedAllowed, ObservedDenied, UnusedAllowed, Unresolved. All by default.'
        Namespace               = 'Keeps records with either end in one of these namespaces (wildcards allowed).'
    }
    Inputs      = @('NetSecPS.ObservedFlow', 'NetSecPS.Snapshot')
    Examples    = @(
        @{
            Title   = 'Where do the datapath and the policies disagree?'
            Code    = 'Compare-NetSecFlowLog -Path ./samples/cluster -FlowLog ./samples/flows/hubble-observe.jsonl | Where-Object DatapathDisagrees | Format-List Source, Destination, Connections, LogVerdict, Policy, Explanation'
            Remarks = 'Shows flows the policies deny but the log forwarded, and flows they allow but the datapath dropped.'
        }
        @{
            Title   = 'Unused allowed paths into one namespace'
            Code    = 'Compare-NetSecFlowLog -Context prod -FlowLog ./samples/flows/hubble-observe.jsonl -Category UnusedAllowed -Namespace data | Where-Object DestinationNamespace -eq data'
            Remarks = 'Lists the port ranges policy opens into the data namespace that no flow used: candidates to close.'
        }
        @{
            Title   = 'Compare flows piped from Import-NetSecFlowLog'
            Code    = 'Get-NetSecSnapshot -Context prod | Export-NetSecSnapshot -Path ./out/prod.json.gz -Force; Import-NetSecFlowLog ./samples/flows/calico-flows.log | Compare-NetSecFlowLog -Snapshot (Import-NetSecSnapshot ./out/prod.json.gz) -Category ObservedDenied, Unresolved'
            Remarks = 'Saves a snapshot of the cluster, then reads a Calico flow log and shows the denied and the unresolved flows against the saved snapshot.'
        }
    )
    Links       = @('Import-NetSecFlowLog', 'New-NetSecPolicyRecommendation', 'Test-NetSecConnection', 'Get-NetSecConnectivity', 'about_NetSecPS')
}
