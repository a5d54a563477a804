@{
    Synopsis    = 'Tells whether one connection is allowed and which layer, policy and rule decided it.'
    Description = @'
Test-NetSecConnection evaluates a single connection (protocol and port) from one peer to another through every layer the cluster enforces: the source's egress (AdminNetworkPolicy rules by priority, NetworkPolicy isolation and rules, the BaselineAdminNetworkPolicy) and then the destination's ingress. A connection from {ingress-controller} must also be exposed by an Ingress, Route or Gateway API route on that port.

The verdict has Allowed, the deciding Layer (AdminNetworkPolicy, NetworkPolicy, BaselineAdminNetworkPolicy, Exposure, HostNetwork or Default), the Policy, the Rule and an Explanation sentence. With -Explain it also carries the Steps of the evaluation, egress side first, and shows as a list with the explanation, for example "denied: pod payments/api[Deployment] is isolated for ingress by payments/default-deny-ingress; no ingress rule of payments/allow-api-from-web admits frontend/web[Deployment] on UDP 53".

Peers are written namespace/name (a workload of any kind, or a pod), namespace/name[Kind], an IP address (an external address) or {ingress-controller}. When a workload's pods differ (labels or ports), the connection is allowed if it is allowed for some of its pods.
'@
    Parameters  = @{
        Path             = 'Manifest files or folders to read (wildcards allowed), or one saved snapshot (.json.gz).'
        LiteralPath      = 'Like -Path, without wildcard expansion. Given on the command line, it is the cluster for every pair piped in.'
        Snapshot         = 'A snapshot from Get-NetSecSnapshot or Import-NetSecSnapshot.'
        Context          = 'The kubeconfig context of the live cluster to read; the current context when omitted.'
        Kubeconfig       = 'The kubeconfig file; KUBECONFIG or ~/.kube/config when omitted.'
        InCluster        = 'Read the cluster this pod runs in, with its service-account token and CA.'
        PageSize         = 'Objects per page when listing a live cluster. Default 500.'
        SkipTlsVerify    = 'Do not verify the API server''s certificate (insecure; warned).'
        From             = 'The source peer: namespace/name, namespace/name[Kind], an IP address or {ingress-controller}. Binds from the Peer property of piped workload records.'
        To               = 'The destination peer, written like -From.'
        Port             = 'The destination port, 1-65535.'
        Protocol         = 'TCP (default), UDP or SCTP.'
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
            Title   = 'Test every workload of a namespace'
            Code    = 'Get-NetSecInventory -Path ./samples/cluster -Kind Workload -Namespace shop | Test-NetSecConnection -Path ./samples/cluster -To payments/payments-api -Port 8443'
            Remarks = 'Each workload record binds to -From by its peer name.'
        }
    )
    Links       = @('Get-NetSecConnectivity', 'about_NetSecPS')
}
