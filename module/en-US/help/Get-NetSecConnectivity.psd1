@{
    Synopsis    = 'Lists the connections the cluster allows between workloads, external address ranges and the ingress controller.'
    Description = @'
Get-NetSecConnectivity evaluates every policy layer exactly as the cluster enforces it: AdminNetworkPolicy rules by priority (Allow, Deny, Pass), then NetworkPolicy (isolation per direction, the union of all policies that select a pod, named ports resolved on each destination pod, ipBlock with except, endPort, TCP/UDP/SCTP), then the BaselineAdminNetworkPolicy. Ingress, OpenShift Route and Gateway API routes make their backend workloads reachable from {ingress-controller} on the resolved target ports. When the snapshot holds the ingress controller's own pods (ingress-nginx, Traefik, HAProxy, Kong, Contour/Envoy, the Istio ingress gateway, the OpenShift router; recognised by their labels), {ingress-controller} connects as those pods, so policies that admit them count; otherwise it is an unlabelled pod in a namespace of its own.

Each Flow record has Source, Destination (namespace/name[Kind], first-last[External] or {ingress-controller}), Connections in connlist text form (All Connections, or TCP 80,UDP 53) and the same connections as structured Ports. External peers are the disjoint ranges the ipBlocks and networks cut the address space into: sources by the ingress rules, destinations by the egress rules. A workload's connections to itself are not listed.

Host-network pods: by default policies do not select them (as Kubernetes documents for most network plugins) and, as a peer, their traffic carries the node address, so only ipBlocks holding that address (or rules open to every address) match them. -NetpolAnalyzerSemantics evaluates them like other pods and models {ingress-controller} as netpol-analyzer does, so results compare line by line with its output.

Invalid selectors, CIDRs, ports and rules are reported as errors naming the policy and the reason; the rest of the policy and all other policies are still evaluated.

Istio is a second layer that must also allow a flow, for pods that run a sidecar (injection as Istio's webhook decides it: a namespace labelled istio-injection=enabled or istio.io/rev, or in a namespace without either label a pod labelled sidecar.istio.io/inject=true or istio.io/rev; istio-injection=disabled, or the pod's sidecar.istio.io/inject label or annotation set to false, keeps the sidecar out; in a live cluster the istio-proxy container itself; ambient mode is reported and not evaluated). At the destination's sidecar: PeerAuthentication STRICT refuses callers without a sidecar; AuthorizationPolicy CUSTOM (reported, not decidable), DENY, then ALLOW (once an ALLOW policy applies to a workload, what no ALLOW rule matches is denied); principals and namespaces only match callers with mutual TLS. At the source's sidecar: the Sidecar resource's egress hosts and, with outboundTrafficPolicy REGISTRY_ONLY, ServiceEntry addresses. Sidecars intercept TCP only. Each flow then carries Mtls (Strict, Permissive, Disable, SourceWithoutSidecar, DestinationWithoutSidecar, Ambient, ControlPlane for a sidecar's TLS channel to istiod on TCP 15012, or None outside the mesh), MtlsDetail (the PeerAuthentication that decides it, and ports that differ), MutuallyAuthenticated, and L7Restricted: the connections the mesh admits only for some requests (HTTP methods, paths, hosts, JWT principals, or when conditions not evaluated).
'@
    Parameters  = @{
        Path             = 'Manifest files or folders to read (wildcards allowed), or one saved snapshot (.json.gz).'
        LiteralPath      = 'Like -Path, without wildcard expansion. Files piped from Get-ChildItem bind here and are read together, as one cluster.'
        MaximumSnapshotSize = 'The most a saved snapshot given as -Path may inflate to, in bytes (2GB in PowerShell''s units works). Default 2GB; a snapshot of 50,000 pods inflates to about 300 MB, and one at Kubernetes'' scalability limit of 150,000 pods to about 0.9 GB. Reading stops with an error at the limit, so a small file that inflates a thousandfold cannot exhaust memory or time. Manifests have limits of their own (about_NetSecPS).'
        Snapshot         = 'A snapshot from Get-NetSecSnapshot or Import-NetSecSnapshot.'
        Context          = 'The kubeconfig context of the live cluster to read; the current context when omitted.'
        Kubeconfig       = 'The kubeconfig file; KUBECONFIG or ~/.kube/config when omitted.'
        InCluster        = 'Read the cluster this pod runs in, with its service-account token and CA.'
        PageSize         = 'Objects per page when listing a live cluster. Default 500.'
        SkipTlsVerify    = 'Do not verify the API server''s certificate (insecure; warned).'
        AllowInsecureHttp = 'Send the kubeconfig''s token or exec-plugin credential to an http:// server (refused without it; warned with it).'
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
            Title   = 'Flows that reach the mesh without mutual TLS'
            Code    = 'Get-NetSecConnectivity -Path ./tests/fixtures/connectivity/istio/authorization.yaml | Where-Object Mtls -in ''SourceWithoutSidecar'', ''Disable'' | Format-Table Source, Destination, Connections, MtlsDetail'
            Remarks = 'Lists the allowed flows into Istio-meshed workloads that arrive in plaintext, with the PeerAuthentication that lets them in.'
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
