@{
    Synopsis    = 'Tells whether one connection is allowed and which layer, policy and rule decided it.'
    Description = @'
Test-NetSecConnection evaluates a single connection (protocol and port) from one peer to another through every policy the cluster enforces, tier by tier: the source's egress (the Admin tier of ClusterNetworkPolicy and AdminNetworkPolicy by priority, NetworkPolicy isolation and rules, the Baseline tier of ClusterNetworkPolicy and the BaselineAdminNetworkPolicy) and then the destination's ingress. A connection from {ingress-controller} must also be exposed by an Ingress, Route or Gateway API route on that port.

The verdict has Allowed, the deciding Layer (Cni, or Exposure when no Ingress, Route or Gateway API route exposes the port), the Tier (Admin, NetworkPolicy, Baseline; empty when no policy applies), the PolicyKind, the Policy, the Rule, its Action, the Decisions of each direction and an Explanation sentence. Undecided lists what a static analysis could not decide for this connection, such as a CIDR rule that may hold a pod address the snapshot does not know. With -Explain it also carries the Steps of the evaluation, egress side first, and shows as a list with the explanation, for example "denied: pod payments/api[Deployment] is isolated for ingress by payments/default-deny-ingress; no ingress rule of payments/allow-api-from-web admits frontend/web[Deployment] on UDP 53".

Where Istio runs, the mesh is a second layer with its own decision in Decisions (Layer Mesh): at the destination's sidecar the tiers PeerAuthentication (STRICT refuses a caller without a sidecar), CUSTOM (an external authorizer: listed in Undecided, not evaluated), DENY and ALLOW AuthorizationPolicies; at the source's sidecar the Sidecar resource's egress hosts and outbound traffic policy. Mtls says how the mesh carries the connection (Strict, Permissive, Disable, SourceWithoutSidecar, DestinationWithoutSidecar, Ambient; None outside the mesh). A rule with HTTP methods, paths or hosts admits the connection and limits its requests; Undecided says which.

Peers are written namespace/name (a workload of any kind, or a pod), namespace/name[Kind], an IP address (an external address) or {ingress-controller}. When a workload's pods differ (labels or ports), the connection is allowed if it is allowed for some of its pods.

On Cilium, NetworkPolicy, CiliumNetworkPolicy and CiliumClusterwideNetworkPolicy are one NetworkPolicy tier where any deny rule wins; a node is a peer of its own, written host/<node> (to a pod on it, Cilium's host entity; to the others, remote-node). Undecided then also names L7 rules (the port is open, the proxy filters requests) and toFQDNs rules (the addresses a name resolves to are not known statically).
'@
    Parameters  = @{
        Path             = 'Manifest files or folders to read (wildcards allowed), or one saved snapshot (.json.gz).'
        LiteralPath      = 'Like -Path, without wildcard expansion. Given on the command line, it is the cluster for every pair piped in.'
        MaximumSnapshotSize = 'The most a saved snapshot given as -Path may inflate to, in bytes (2GB in PowerShell''s units works). Default 2GB; a snapshot of 50,000 pods inflates to about 300 MB, and one at Kubernetes'' scalability limit of 150,000 pods to about 0.9 GB. Reading stops with an error at the limit, so a small file that inflates a thousandfold cannot exhaust memory or time. Manifests have limits of their own (about_NetSecPS).'
        Snapshot         = 'A snapshot from Get-NetSecSnapshot or Import-NetSecSnapshot.'
        Context          = 'The kubeconfig context of the live cluster to read; the current context when omitted.'
        Kubeconfig       = 'The kubeconfig file; KUBECONFIG or ~/.kube/config when omitted.'
        InCluster        = 'Read the cluster this pod runs in, with its service-account token and CA.'
        PageSize         = 'Objects per page when listing a live cluster. Default 500.'
        SkipTlsVerify    = 'Do not verify the API server''s certificate (insecure; warned).'
        AllowInsecureHttp = 'Send the kubeconfig''s token or exec-plugin credential to an http:// server (refused without it; warned with it).'
        From             = 'The source peer: namespace/name, namespace/name[Kind], an IP address, {ingress-controller}, or on Cilium a node as host/<node>. Binds from the Peer property of piped workload records.'
        To               = 'The destination peer, written like -From.'
        Port             = 'The destination port, 1-65535; for ICMP and ICMPv6 the message type (8: echo request).'
        Protocol         = 'TCP (default), UDP, SCTP, ICMP or ICMPv6.'
        Explain          = 'Adds every evaluation step (egress side, then ingress side) and shows the verdict as a list with its explanation.'
        NetpolAnalyzerSemantics = 'netpol-analyzer semantics: evaluate host-network pods like any other pod instead of exempting them from policies, and model {ingress-controller} as an unlabelled pod.'
    }
    Inputs      = @('System.String (Peer by property name)', 'NetSecPS.Snapshot')
    Examples    = @(
        @{
            Title   = 'Why can the ingress controller not reach PostgreSQL?'
            Code    = 'Test-NetSecConnection -Path ./samples/cluster -From ingress-nginx/ingress-nginx-controller -To data/postgres -Port 5432 -Explain'
            Remarks = 'Names the layer, policy and rule that decided, egress side then ingress side.'
        }
        @{
            Title   = 'Is the cloud metadata endpoint reachable?'
            Code    = 'Test-NetSecConnection -Path ./samples/cluster -From shop/frontend -To 169.254.169.254 -Port 80'
            Remarks = 'The AdminNetworkPolicy cluster-deny-cloud-metadata of the demo cluster denies it.'
        }
        @{
            Title   = 'A named port'
            Code    = 'Test-NetSecConnection -Path ./samples/cluster -From shop/frontend -To shop/cart -Port http'
            Remarks = 'The port name resolves on the destination''s containers, as NetworkPolicy resolves named ports.'
        }
        @{
            Title   = 'On Cilium: can a node reach the database, and which policy lets it?'
            Code    = 'Test-NetSecConnection -Path ./samples/cilium-cluster -From host/worker-2 -To shop/postgres -Port 5432 -Explain'
            Remarks = 'A node is host/<node>: to the pods it runs it is the host entity, to the others remote-node. The explanation names the CiliumNetworkPolicy rule that admits it.'
        }
        @{
            Title   = 'Test every workload of a namespace'
            Code    = 'Get-NetSecInventory -Path ./samples/cluster -Kind Workload -Namespace shop | Test-NetSecConnection -Path ./samples/cluster -To payments/payments-api -Port 8443'
            Remarks = 'Each workload record binds to -From by its peer name.'
        }
        @{
            Title   = 'Does the mesh let a caller outside it in?'
            Code    = 'Test-NetSecConnection -Path ./tests/fixtures/connectivity/istio/peer-authentication.yaml -From outside/legacy -To bar/api -Port 8080 -Explain | Select-Object Allowed, Mtls, Decisions'
            Remarks = 'With a STRICT PeerAuthentication the Mesh decision denies it (PolicyKind PeerAuthentication, Rule STRICT mTLS) while the Cni decision may allow it; Mtls reads SourceWithoutSidecar.'
        }
    )
    Links       = @('Get-NetSecConnectivity', 'about_NetSecPS')
}
