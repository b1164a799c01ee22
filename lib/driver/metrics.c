// SPDX-License-Identifier: Apache-2.0
/*
 * /metrics in the Prometheus text exposition format 0.0.4: upstream's
 * metric names (reference/upstream.md §1.3) and the process collector of
 * prometheus/client_golang (procfs: /proc/self/stat, /proc/stat btime,
 * /proc/self/fd, RLIMIT_NOFILE).
 */
#include "driver.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

/* /proc/stat of a large machine (thousands of CPUs, a long intr line). */
#define PROC_STAT_MAX (4u << 20)

struct proc {
	double cpu_s, start_s;
	uint64_t rss, vsize;
	long open_fds;
	uint64_t max_fds;
	bool ok_stat, ok_start;
};

/* Fields of /proc/self/stat after "(comm)": state is field 3. */
static void read_stat(struct proc *p)
{
	char buf[1024], *stat;
	unsigned long long utime, stime, start, vsize;
	long long rss;
	long tck = sysconf(_SC_CLK_TCK), page = sysconf(_SC_PAGESIZE);
	const char *s, *bt;
	long long btime;

	if (fd_read_file(AT_FDCWD, "/proc/self/stat", buf, sizeof(buf)) < 0 || tck <= 0)
		return;
	s = strrchr(buf, ')');
	/* state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime
	 * cutime cstime priority nice threads itrealvalue starttime vsize rss */
	if (!s || sscanf(s + 2,
			 "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d %*d "
			 "%*d %*d %llu %llu %lld",
			 &utime, &stime, &start, &vsize, &rss) != 5)
		return;
	p->cpu_s = (double)(utime + stime) / (double)tck;
	p->vsize = vsize;
	p->rss = rss > 0 ? (uint64_t)rss * (uint64_t)page : 0;
	p->ok_stat = true;
	/* /proc/stat grows with CPUs and interrupts: read it into a buffer of its own. */
	stat = malloc(PROC_STAT_MAX);
	if (!stat)
		return;
	if (fd_read_file(AT_FDCWD, "/proc/stat", stat, PROC_STAT_MAX) >= 0) {
		bt = strstr(stat, "\nbtime ");
		if (bt && sscanf(bt + 7, "%lld", &btime) == 1) {
			p->start_s = (double)btime + (double)start / (double)tck;
			p->ok_start = true;
		}
	}
	free(stat);
}

static void read_fds(struct proc *p)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	struct rlimit rl;

	p->open_fds = -1;
	if (d) {
		p->open_fds = 0;
		while ((e = readdir(d)))
			if (e->d_name[0] != '.')
				p->open_fds++;
		closedir(d);
		p->open_fds--; /* the directory's own fd */
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
		p->max_fds = rl.rlim_cur;
}

static int head(struct buf *b, const char *name, const char *type, const char *help)
{
	return buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

int drv_metrics_write(const struct drv_metrics *m, struct buf *b)
{
	struct proc p = { 0 };
	const struct drv_follow_stats *f = m->follow;
	const struct drv_pub_stats *pub = m->pub;
	int ret = 0;

	ret |= head(b, "dranet_driver_published_devices_total", "gauge",
		    "Number of devices published (after the filter and exclusions).");
	if (m->have_devices)
		ret |= buf_printf(b,
				  "dranet_driver_published_devices_total{feature=\"rdma\"} %zu\n"
				  "dranet_driver_published_devices_total{feature=\"total\"} %zu\n",
				  m->devices_rdma, m->devices);
	ret |= head(b, "dranet_driver_last_published_time_seconds", "gauge",
		    "Unix time of the last publication the API server confirmed.");
	if (pub && pub->last_published_unix > 0)
		ret |= buf_printf(b, "dranet_driver_last_published_time_seconds %.3f\n",
				  pub->last_published_unix);
	if (f) {
		ret |= head(b, "dranet_driver_inventory_scans_total", "counter",
			    "Inventory scans by kind: full, or one link re-read.");
		ret |= buf_printf(b,
				  "dranet_driver_inventory_scans_total{kind=\"full\"} %llu\n"
				  "dranet_driver_inventory_scans_total{kind=\"link\"} %llu\n",
				  (unsigned long long)f->full_scans,
				  (unsigned long long)f->link_scans);
		ret |= head(b, "dranet_driver_inventory_scan_errors_total", "counter",
			    "Scans that failed (the last good inventory stayed).");
		ret |= buf_printf(b, "dranet_driver_inventory_scan_errors_total %llu\n",
				  (unsigned long long)f->errors);
		ret |= head(b, "dranet_driver_inventory_events_total", "counter",
			    "Netlink link, address, route and rule events read.");
		ret |= buf_printf(b, "dranet_driver_inventory_events_total %llu\n",
				  (unsigned long long)f->events);
		ret |= head(b, "dranet_driver_inventory_event_overflows_total", "counter",
			    "Times the kernel dropped events (ENOBUFS) and a full scan followed.");
		ret |= buf_printf(b, "dranet_driver_inventory_event_overflows_total %llu\n",
				  (unsigned long long)f->overflows);
		ret |= head(b, "dranet_driver_inventory_full_scan_seconds", "gauge",
			    "Duration of the last full inventory scan.");
		ret |= buf_printf(b, "dranet_driver_inventory_full_scan_seconds %.6f\n",
				  (double)f->last_full_us / 1e6);
	}
	if (pub) {
		ret |= head(b, "dranet_driver_slice_writes_total", "counter",
			    "ResourceSlice creates, updates and deletes the API server confirmed.");
		ret |= buf_printf(b, "dranet_driver_slice_writes_total %llu\n",
				  (unsigned long long)pub->writes);
		ret |= head(b, "dranet_driver_slice_write_errors_total", "counter",
			    "ResourceSlice writes the API server refused or that failed.");
		ret |= buf_printf(b, "dranet_driver_slice_write_errors_total %llu\n",
				  (unsigned long long)pub->write_errors);
	}
	ret |= head(b, "dranet_driver_loop_max_callback_seconds", "gauge",
		    "Longest single step of the event loop so far.");
	ret |= buf_printf(b, "dranet_driver_loop_max_callback_seconds %.3f\n",
			  (double)m->loop_max_cb_ms / 1000.0);
	read_stat(&p);
	read_fds(&p);
	if (p.ok_stat) {
		ret |= head(b, "process_cpu_seconds_total", "counter",
			    "Total user and system CPU time spent in seconds.");
		ret |= buf_printf(b, "process_cpu_seconds_total %.2f\n", p.cpu_s);
		ret |= head(b, "process_resident_memory_bytes", "gauge",
			    "Resident memory size in bytes.");
		ret |= buf_printf(b, "process_resident_memory_bytes %llu\n",
				  (unsigned long long)p.rss);
		ret |= head(b, "process_virtual_memory_bytes", "gauge",
			    "Virtual memory size in bytes.");
		ret |= buf_printf(b, "process_virtual_memory_bytes %llu\n",
				  (unsigned long long)p.vsize);
	}
	if (p.ok_start) {
		ret |= head(b, "process_start_time_seconds", "gauge",
			    "Start time of the process since unix epoch in seconds.");
		ret |= buf_printf(b, "process_start_time_seconds %.2f\n", p.start_s);
	}
	if (p.open_fds >= 0) {
		ret |= head(b, "process_open_fds", "gauge", "Number of open file descriptors.");
		ret |= buf_printf(b, "process_open_fds %ld\n", p.open_fds);
	}
	if (p.max_fds) {
		ret |= head(b, "process_max_fds", "gauge",
			    "Maximum number of open file descriptors.");
		ret |= buf_printf(b, "process_max_fds %llu\n", (unsigned long long)p.max_fds);
	}
	return ret < 0 || b->err ? -ENOMEM : 0;
}
