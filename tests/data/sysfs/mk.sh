#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Regenerates the sysfs fixture trees under tests/data/sysfs/ (committed; run
# this only to change them). Directories, files and relative symlinks laid out
# as the kernel does (Documentation/ABI/testing/sysfs-bus-pci,
# sysfs-class-net, sysfs-class-infiniband), for lib/inventory's scan tests
# through the root override (docs/testing.md).
set -eu
cd "$(dirname "$0")"

# --------------------------------------------------------------- helpers
R=
put() { mkdir -p "$(dirname "$R/$1")"; printf '%s\n' "$2" >"$R/$1"; }
# link PATH TARGET: a relative symlink at PATH (under $R).
link() { mkdir -p "$(dirname "$R/$1")"; ln -sfn "$2" "$R/$1"; }
# rel FROM_DIR TO: the relative path from directory FROM_DIR to TO (both under sys/).
rel() { python3 -c 'import os,sys; print(os.path.relpath(sys.argv[2], sys.argv[1]))' "$1" "$2"; }
# driver NAME: a driver directory under sys/bus/pci/drivers.
driver() { put "sys/bus/pci/drivers/$1/uevent" "DRIVER=$1"; : >"$R/sys/bus/pci/drivers/$1/bind"; }

# pcifn DEVPATH VENDOR DEVICE SVENDOR SDEVICE CLASS NUMA [DRIVER]
# DEVPATH is below sys/devices ("pci0000:00/0000:00:03.0").
pcifn() {
	local p=$1 v=$2 d=$3 sv=$4 sd=$5 cls=$6 numa=$7 drv=${8:-}
	local dir=sys/devices/$p bdf=${p##*/}
	local bc=${cls:0:2} sc=${cls:2:2} pi=${cls:4:2}
	put "$dir/vendor" "0x$v"
	put "$dir/device" "0x$d"
	put "$dir/subsystem_vendor" "0x$sv"
	put "$dir/subsystem_device" "0x$sd"
	put "$dir/class" "0x$cls"
	put "$dir/numa_node" "$numa"
	put "$dir/modalias" "pci:v0000${v^^}d0000${d^^}sv0000${sv^^}sd0000${sd^^}bc${bc^^}sc${sc^^}i${pi^^}"
	put "$dir/uevent" "PCI_SLOT_NAME=$bdf"
	link "$dir/subsystem" "$(rel "$dir" sys/bus/pci)"
	link "sys/bus/pci/devices/$bdf" "$(rel sys/bus/pci/devices "$dir")"
	if [ -n "$drv" ]; then
		driver "$drv"
		link "$dir/driver" "$(rel "$dir" "sys/bus/pci/drivers/$drv")"
	fi
}

# netdev PARENT_DIR NAME ADDR: a netdev below PARENT_DIR (under sys/devices),
# with class/net/NAME pointing at it.
netdev() {
	local parent=sys/devices/$1 name=$2 addr=$3
	local dir=$parent/net/$name
	put "$dir/address" "$addr"
	put "$dir/mtu" "1500"
	put "$dir/type" "1"
	put "$dir/uevent" "INTERFACE=$name"
	link "$dir/device" "$(rel "$dir" "$parent")"
	link "$dir/subsystem" "$(rel "$dir" sys/class/net)"
	link "sys/class/net/$name" "$(rel sys/class/net "$dir")"
}

vnetdev() {
	local name=$1 dir=sys/devices/virtual/net/$1
	put "$dir/address" "$2"
	put "$dir/mtu" "1500"
	put "$dir/uevent" "INTERFACE=$name"
	link "$dir/subsystem" "$(rel "$dir" sys/class/net)"
	link "sys/class/net/$name" "$(rel sys/class/net "$dir")"
}

# ibdev PARENT_DIR NAME GUID: an RDMA device below PARENT_DIR (under sys/devices).
ibdev() {
	local parent=sys/devices/$1 name=$2 guid=$3
	local dir=$parent/infiniband/$name
	[ "$1" = virtual ] && dir=sys/devices/virtual/infiniband/$name
	put "$dir/node_guid" "$guid"
	put "$dir/node_type" "1: CA"
	put "$dir/ports/1/state" "4: ACTIVE"
	[ "$1" = virtual ] || link "$dir/device" "$(rel "$dir" "$parent")"
	link "sys/class/infiniband/$name" "$(rel sys/class/infiniband "$dir")"
}
# gid NAME INDEX NETDEV: GID table entry INDEX of port 1 of NAME names NETDEV.
gid() {
	local dir
	dir=$(readlink -f "$R/sys/class/infiniband/$1")
	mkdir -p "$dir/ports/1/gid_attrs/ndevs"
	printf '%s\n' "$3" >"$dir/ports/1/gid_attrs/ndevs/$2"
}

# ------------------------------------------------------------------ node1
# One node with every case discovery distinguishes:
#   0000:00:01.0  VGA (class 0300): ignored
#   0000:00:03.0  virtio-net, numa -1, netdev eth0 under virtio2
#   0000:00:04.0  82599 bound to vfio-pci: skipped
#   0000:00:05.0  I350 without driver: skipped
#   0000:00:06.0  an eRDMA-like function of class 00ff with RDMA device erdma_0:
#                 a standalone RDMA device
#   0000:00:07.0  ConnectX-5 in InfiniBand mode (0207), RDMA mlx5_4, IPoIB ib0
#                 and its child ib0.8001
#   0000:00:14.0  xHCI (0c03) with a USB NIC enx00e04c680001
#   pci0000:8c/0000:8c:00.0/0000:8d:00.0/0000:8e:02.0/0000:91:00.0: a ConnectX-6
#                 Dx PF four bridge levels deep (bridges class 0604), numa 1,
#                 SR-IOV 8 total / 2 enabled, netdev ens1f0np0, RDMA mlx5_0
#   0000:91:00.2  VF 0: netdev ens1f0v0, RDMA mlx5_1
#   0000:91:00.3  VF 1: no netdev, RDMA mlx5_2 (a netdev-less RDMA function)
#   virtual: veth0, lo; soft-RoCE rxe0 on veth0 (no device link)
R=node1
rm -rf "$R"
mkdir -p "$R/sys/class/net" "$R/sys/class/infiniband" "$R/sys/bus/pci/devices" \
	"$R/sys/devices/system/node"
pcifn pci0000:00/0000:00:01.0 1234 1111 1af4 1100 030000 -1 bochs-drm
pcifn pci0000:00/0000:00:03.0 1af4 1041 1af4 1100 020000 -1 virtio-pci
put sys/devices/pci0000:00/0000:00:03.0/virtio2/uevent "VIRTIO_ID=1"
netdev pci0000:00/0000:00:03.0/virtio2 eth0 52:54:00:12:34:56
pcifn pci0000:00/0000:00:04.0 8086 10fb 8086 000c 020000 0 vfio-pci
pcifn pci0000:00/0000:00:05.0 8086 1521 8086 0001 020000 0
pcifn pci0000:00/0000:00:06.0 1ded 107f 1ded 107f 00ff00 0 erdma
ibdev pci0000:00/0000:00:06.0 erdma_0 0216:3eff:fe00:0001
pcifn pci0000:00/0000:00:07.0 15b3 1017 15b3 0007 020700 0 mlx5_core
ibdev pci0000:00/0000:00:07.0 mlx5_4 b859:9f03:00c1:2a3e
netdev pci0000:00/0000:00:07.0 ib0 00:00:10:87:fe:80:00:00:00:00:00:00:b8:59:9f:03:00:c1:2a:3e
# An IPoIB child interface: a second netdev of the same function.
netdev pci0000:00/0000:00:07.0 ib0.8001 00:00:10:88:fe:80:00:00:00:00:00:00:b8:59:9f:03:00:c1:2a:3e
pcifn pci0000:00/0000:00:14.0 8086 a36d 8086 7270 0c0330 0 xhci_hcd
put sys/devices/pci0000:00/0000:00:14.0/usb2/2-1/2-1:1.0/uevent "DEVTYPE=usb_interface"
netdev pci0000:00/0000:00:14.0/usb2/2-1/2-1:1.0 enx00e04c680001 00:e0:4c:68:00:01
B=pci0000:8c
pcifn $B/0000:8c:00.0 8086 347a 8086 0000 060400 1 pcieport
pcifn $B/0000:8c:00.0/0000:8d:00.0 10b5 8796 10b5 8796 060400 1 pcieport
pcifn $B/0000:8c:00.0/0000:8d:00.0/0000:8e:02.0 10b5 8796 10b5 8796 060400 1 pcieport
PF=$B/0000:8c:00.0/0000:8d:00.0/0000:8e:02.0/0000:91:00.0
pcifn $PF 15b3 101d 15b3 0016 020000 1 mlx5_core
put "sys/devices/$PF/sriov_totalvfs" 8
put "sys/devices/$PF/sriov_numvfs" 2
netdev $PF ens1f0np0 b8:ce:f6:00:00:01
ibdev $PF mlx5_0 b8ce:f603:0000:0001
gid mlx5_0 0 ens1f0np0
gid mlx5_0 1 ens1f0np0
P=${PF%/*}
for vf in 0 1; do
	fn=0000:91:00.$((vf + 2))
	pcifn "$P/$fn" 15b3 101e 15b3 0016 020000 1 mlx5_core
	link "sys/devices/$P/$fn/physfn" ../0000:91:00.0
	link "sys/devices/$PF/virtfn$vf" "../$fn"
done
netdev "$P/0000:91:00.2" ens1f0v0 ea:00:00:00:00:02
ibdev "$P/0000:91:00.2" mlx5_1 b8ce:f603:0000:0002
gid mlx5_1 0 ens1f0v0
ibdev "$P/0000:91:00.3" mlx5_2 b8ce:f603:0000:0003
# An unused GID entry reads empty here (the kernel fails the read).
gid mlx5_2 0 ""
vnetdev veth0 02:00:00:00:00:10
vnetdev lo 00:00:00:00:00:00
ibdev virtual rxe0 0200:00ff:fe00:0010
gid rxe0 0 veth0
for n in 0 1; do put "sys/devices/system/node/node$n/cpulist" "$((n * 4))-$((n * 4 + 3))"; done
put sys/devices/system/node/node0/distance "10 12"
put sys/devices/system/node/node1/distance "12 10"

# ------------------------------------------------------------------ empty
# A node without PCI or RDMA (a container's sysfs): every pass finds nothing.
R=empty
rm -rf "$R"
mkdir -p "$R/sys/bus/pci/devices" "$R/sys/class/net"
vnetdev lo 00:00:00:00:00:00
# A small pci.ids for the names (one product name longer than 64 bytes).
cat >pci.ids <<'IDS'
# Version: 2026.01.01 (fixture)
1af4  Red Hat, Inc.
	1041  Virtio 1.0 network device
1ded  Alibaba (China) Co., Ltd.
	107f  Elastic RDMA Adapter with a product name much longer than sixty-four bytes
8086  Intel Corporation
	10fb  82599ES 10-Gigabit SFI/SFP+ Network Connection
	1521  I350 Gigabit Network Connection
15b3  Mellanox Technologies
	1017  MT27800 Family [ConnectX-5]
	101d  MT2892 Family [ConnectX-6 Dx]
	101e  ConnectX Family mlx5Gen Virtual Function
C 02  Network controller
	00  Ethernet controller
IDS
echo "sysfs fixtures written"
