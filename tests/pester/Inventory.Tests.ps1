BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force
    $script:Cluster = Join-Path $Samples 'cluster'
}

Describe 'Get-NetSecInventory' {
    Context 'formatting' {
        It 'shows the demo cluster as one table, not lists or raw type names' {
            $text = Get-NetSecInventory -Path $Cluster | Out-String -Width 200
            $text | Should -Match '(?m)^Kind\s+Namespace\s+Name\s+Details\s*$'
            $text | Should -Match 'StatefulSet\s+data\s+postgres\s+postgres:5432/TCP'
            $text | Should -Not -Match 'NetSecPS\.\w+Item'
            $text | Should -Not -Match 'Item \{'
            # A record that does not fit the first table would be printed as a "Name : value" list.
            $text | Should -Not -Match '(?m)^Peer\s+:'
        }

        It 'shows one kind of record with its own columns' {
            $workloads = Get-NetSecInventory -Path $Cluster -Kind Workload | Out-String -Width 200
            $workloads | Should -Match '(?m)^Namespace\s+Name\s+Kind\s+Pods\s+HostNet\s+Ports\s*$'
            $workloads | Should -Match 'monitoring\s+node-exporter\s+DaemonSet\s+0\s+True\s+metrics:9100/TCP'

            $services = Get-NetSecInventory -Path $Cluster -Kind Service | Out-String -Width 200
            $services | Should -Match '(?m)^Namespace\s+Name\s+Type\s+Ports\s+From; selector\s*$'
            $services | Should -Match 'payments-partner\s+LoadBalancer\s+443->https/TCP\s+from 203\.0\.113\.0/24'

            $policies = Get-NetSecInventory -Path $Cluster -Kind *NetworkPolicy | Out-String -Width 200
            $policies | Should -Match '(?m)^Kind\s+Namespace\s+Name\s+Tier\s+Types\s+In\s+Out\s+Subject\s*$'
            $policies | Should -Match 'AdminNetworkPolicy\s+cluster-deny-cloud-metadata\s+Admin 10\s+Egress'

            $namespaces = Get-NetSecInventory -Path $Cluster -Kind Namespace | Out-String -Width 200
            $namespaces | Should -Match '(?m)^Name\s+Workloads\s+Pods\s+NetworkPolicies\s+Labels\s*$'

            $exposures = Get-NetSecInventory -Path $Cluster -Kind Ingress | Out-String -Width 200
            $exposures | Should -Match 'Ingress\s+monitoring\s+grafana\s+False\s+grafana\.example\S*\s+grafana:3000'
        }

        It 'keeps every property on the records whatever the view' {
            $w = Get-NetSecInventory -Path $Cluster -Kind StatefulSet
            $w | Should -BeOfType ([NetSecPS.WorkloadItem])
            $w.Peer | Should -Be 'data/postgres[StatefulSet]'
            $w.Images | Should -Contain 'docker.io/library/postgres:16.4'
            $w.SourceFile | Should -Be (Join-Path $Cluster 'data/postgres.yaml')
        }
    }

    Context 'filters' {
        BeforeAll {
            $script:snap = Get-NetSecSnapshot -Path $Cluster
        }

        It 'filters kinds with wildcards, Workload meaning every workload kind' {
            $kinds = Get-NetSecInventory -Snapshot $snap -Kind Workload | ForEach-Object Kind | Sort-Object -Unique
            $kinds | Should -Be @('CronJob', 'DaemonSet', 'Deployment', 'Pod', 'StatefulSet')
            (Get-NetSecInventory -Snapshot $snap -Kind *NetworkPolicy).Kind | Sort-Object -Unique |
                Should -Be @('AdminNetworkPolicy', 'BaselineAdminNetworkPolicy', 'NetworkPolicy')
            (Get-NetSecInventory -Snapshot $snap -Kind daemon*).Name | Sort-Object | Should -Be @('calico-node', 'node-exporter')
        }

        It 'filters namespaces with wildcards, leaving cluster-scoped objects out' {
            $items = Get-NetSecInventory -Snapshot $snap -Namespace 'pay*', 'shop'
            ($items.Namespace | Where-Object { $_ } | Sort-Object -Unique) | Should -Be @('payments', 'shop')
            ($items | Where-Object Kind -eq Namespace).Name | Sort-Object | Should -Be @('payments', 'shop')
            $items | Where-Object Kind -in 'AdminNetworkPolicy', 'ClusterRole', 'IngressClass' | Should -BeNullOrEmpty
        }

        It 'combines -Kind and -Namespace' {
            $np = Get-NetSecInventory -Snapshot $snap -Kind NetworkPolicy -Namespace monitoring
            $np.Name | Sort-Object | Should -Be @('allow-scraping', 'default-deny-ingress')
        }

        It 'takes the snapshot from the pipeline' {
            ($snap | Get-NetSecInventory -Kind Ingress).Name | Sort-Object | Should -Be @('grafana', 'storefront')
        }

        It 'returns nothing, without error, when nothing matches' {
            $r = Get-NetSecInventory -Snapshot $snap -Namespace no-such-namespace -ErrorVariable err
            $r | Should -BeNullOrEmpty
            $err | Should -BeNullOrEmpty
        }
    }
}
