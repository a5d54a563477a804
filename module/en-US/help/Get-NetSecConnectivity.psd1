@{
    Synopsis    = 'Lists the connections the cluster allows between workloads, external address ranges and the ingress controller.'
    Description = @'
Get-NetSecConnectivity evaluates every policy layer exactly as the cluster enforces it: AdminNetworkPolicy rules by priority (Allow, Deny, Pass), then NetworkPolicy (isolation per direction, the union of all policies that select a pod, named ports resolved on each destination pod, ipBlock with except, endPort, TCP/UDP/SCTP), then the BaselineAdminNetworkPolicy. Ingress, OpenShift Route and Gateway API routes make their backend workloads reachable from {ingress-controller} on the resolved target ports. When the snapshot holds the ingress controller's own pods (ingress-nginx, Traefik, HAProxy, Kong, Contour/Envoy, the Istio ingress gateway, the OpenShift router; recognised by their labels), {ingress-controller} connects as those pods, so policies that admit them count; otherwise it is an unlabelled pod in a namespace of its own.

Each Flow record has Source, Destination (namespace/name[Kind], first-last[External] or {ingress-controller}), Connections in connlist text form (All Connections, or TCP 80,UDP 53) and the same connections as structured Ports. External peers are the disjoint ranges the ipBlocks and networks cut the address space into: sources by the ingress rules, destinations by the egress rules. A workload's connections to itself are not listed.

Host-network pods: by default policies do not select them (as Kubernetes documents for most network plugins) and, as a peer, their traffic carries the node address, so only ipBlocks holding that address (or rules open to every address) match them. -NetpolAnalyzerSemantics evaluates them like other pods and models {ingress-controller} as netpol-analyzer does, so results compare line by line with its output.

Invalid selectors, CIDRs, ports and rules are reported as errors naming the policy and the reason; the rest of the policy and all other policies are still evaluated.
'@
    Parameters  = @{
        Path             = 'Manifest files or folders to read (wildcards allowed), or one saved snapshot (.json.gz).'
        LiteralPath      = 'Like -Path, without wildcard expansion. Files piped from Get-ChildItem bind here and are read together, as one cluster.'
        Snapshot         = 'A snapshot from Get-NetSecSnapshot or Import-NetSecSnapshot.'
        Context          = 'The kubeconfig context of the live cluster to read; the current context when omitted.'
        Kubeconfig       = 'The kubeconfig file; KUBECONFIG or ~/.kube/config when omitted.'
        InCluster        = 'Read the cluster this pod runs in, with its service-account token and CA.'
        PageSize         = 'Objects per page when listing a live cluster. Default 500.'
        SkipTlsVerify    = 'Do not verify the API server''s certificate (insecure; warned).'
        Source           = 'Keep only flows whose source matches: namespace/name (any kind), namespace/name[Kind], an external range or {ingress-controller}. * and ? are wildcards; square brackets are literal.'
        Destination      = 'Keep only flows whose destination matches, written like -Source.'
        Namespace        = 'Keep only flows with the source or the destination in one of these namespaces (wildcards allowed).'
        NetpolAnalyzerSemantics = 'netpol-analyzer semantics: evaluate host-network pods like any other pod instead of as the node''s address, and model {ingress-controller} as an unlabelled pod even when the controller''s pods are in the snapshot.'
    }
    Inputs      = @('NetSecPS.Snapshot')
    Examples    = @(
        @{
            Title   = 'Every allowed flow of a folder of manifests, as connlist text'
            Code    = 'Get-NetSecConnectivity -Path ./samples/cluster | ConvertTo-NetSecConnlist'
            Remarks = 'One line per allowed flow of the demo cluster.'
        }
        @{
            Title   = 'What may reach the payments namespace'
            Code    = 'Get-NetSecConnectivity -Path ./samples/cluster -Destination ''payments/*'''
            Remarks = 'The flows whose destination is a workload of payments.'
        }
        @{
            Title   = 'Flows that open every port'
            Code    = @'
Get-NetSecSnapshot -Path ./samples/cluster | Export-NetSecSnapshot -Path ./demo.json.gz -Force
Import-NetSecSnapshot ./demo.json.gz | Get-NetSecConnectivity | Where-Object AllConnections | Group-Object DestinationNamespace
'@
            Remarks = 'From a saved snapshot: the flows that allow every protocol and port, counted per destination namespace.'
        }
    )
    Links       = @('ConvertTo-NetSecConnlist', 'Test-NetSecConnection', 'Export-NetSecConnectivity', 'about_NetSecPS')
}
