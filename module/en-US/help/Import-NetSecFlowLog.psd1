@{
    Synopsis    = 'Reads observed flows from Hubble, Calico or CSV flow logs into flow records, one at a time.'
    Description = @'
Import-NetSecFlowLog reads flow logs as a stream and writes one ObservedFlow per flow: Source and Destination (namespace, pod, owning workload, labels, address, or what the log says the end is: world, host, kube-apiserver, a Calico network), Protocol, Port, Direction (where the flow was seen: leaving its source or arriving at its destination), Verdict (Forwarded, Dropped, Audit), DropReason, the Policies the log names, Time, Count, and the File and Line it came from.

It reads:
- Hubble, as Cilium's flow API defines it: hubble observe -o json (one flow per line) and -o jsonpb (a GetFlowsResponse per line with the flow under "flow"), and the files the Hubble exporter writes. Replies, L7 records, socket-translation records, node status and lost-event notices are left out and counted.
- Calico flow logs: the documented flow log fields (source_namespace, source_name_aggr, dest_port, proto, action, reporter, num_flows, policies, ...), also as Elasticsearch hits, and flows of Calico's flow logs API (Goldmane), whose fields sit under "key". A record counts its num_flows.
- A plain CSV of source,destination,port,protocol[,verdict,count,time] for any other exporter, with an optional header line naming the columns (and a direction column). Peers are written as connectivity output writes them: namespace/name, namespace/name[Kind], an IP address or {ingress-controller}.

Field names in protobuf JSON style (snake_case or lowerCamel) and enums by name or number are all accepted. Each file's format is recognised from its first record unless -Format is given; gzip files are read as they are. A line that cannot be read is an error record with its file and line, and the rest of the file is read; files of millions of lines pass through in bounded memory.

With -Snapshot each flow's ends are resolved to the snapshot's peers (SourcePeer, DestinationPeer): by the owner Hubble names, by namespace and pod name, by pod address (a live snapshot records them), by the pod name a controller generates from its workload's name, or by labels; addresses outside the cluster become the external range connectivity output names. An end that cannot be resolved is warned about once and the flow carries the reason in Unresolved.
'@
    Parameters  = @{
        Path        = 'Flow log files or folders (wildcards allowed); folders are read with every file under them, in name order.'
        LiteralPath = 'Like -Path, without wildcard expansion. Files piped from Get-ChildItem bind here.'
        Format      = 'Auto (default: recognised per file), Hubble, Calico or Csv.'
        Snapshot    = 'A snapshot (Get-NetSecSnapshot, Import-NetSecSnapshot) to resolve the flows'' ends against.'
    }
    Inputs      = @('System.String (LiteralPath by property name: FullName, PSPath)')
    Examples    = @(
        @{
            Title   = 'Read a Hubble export and count the dropped flows by destination'
            Code    = 'Import-NetSecFlowLog -Path ./samples/flows/hubble-observe.jsonpb | Where-Object Verdict -eq Dropped | Group-Object { $_.Destination } | Sort-Object Count -Descending'
            Remarks = 'Reads hubble observe -o jsonpb output and shows which destinations the datapath dropped most.'
        }
        @{
            Title   = 'Resolve Calico flow logs to the workloads of a snapshot'
            Code    = '$snapshot = Get-NetSecSnapshot -Context prod; Import-NetSecFlowLog -Path ./samples/flows/*.log -Snapshot $snapshot | Where-Object Unresolved | Select-Object Source, Destination, Unresolved -First 20'
            Remarks = 'Lists flows whose ends the snapshot does not hold, with the reason (a workload that no longer exists, an address Calico aggregated away).'
        }
        @{
            Title   = 'Pipe the flows into the comparison'
            Code    = 'Import-NetSecFlowLog -Path ./samples/flows/flows.csv | Compare-NetSecFlowLog -Path ./samples/cluster -Category ObservedDenied'
            Remarks = 'Compares a CSV of flows with the demo cluster''s policies and shows the flows policy denies.'
        }
    )
    Links       = @('Compare-NetSecFlowLog', 'New-NetSecPolicyRecommendation', 'about_NetSecPS')
}
