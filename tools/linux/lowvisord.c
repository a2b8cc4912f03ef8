// SPDX-License-Identifier: MIT
/*
 * lowvisord: the device models of Lowvisor's management partition.  It
 * serves the virtio devices whose backend is this VM, for all frontends at
 * once, on /dev/lowvisor (lowvisor-dev.h): each forwarded access to a
 * virtio-mmio window is one read() and one LOWVISOR_IOREQ_COMPLETE; the
 * frontends' RAM comes from LOWVISOR_MAP_GUEST and mmap(); their
 * interrupts go out with LOWVISOR_IRQ_LINE.  The transport and the
 * virtqueues are virtio-mmio.c, the devices virtio-blk.c and virtio-net.c
 * (lowvisord.h).
 *
 *   lowvisord [-v] [-c FILE] [SPEC...]
 *
 * What backs each device is given by SPECs, on the command line or one per
 * line in FILE (default /etc/lowvisord.conf when there is no SPEC; '#'
 * starts a comment):
 *   blk:VM:N=PATH[,ro]   device N (its window's index in VM's virtio { })
 *                        is a virtio-blk disk backed by PATH, a file or a
 *                        block device; ro: read-only
 *   net:VM:N=NET[,mac=M] device N is a virtio-net device on the network
 *                        NET, a learning switch (virtio-net.c) made by
 *                        naming it; M its address (xx:xx:xx:xx:xx:xx),
 *                        by default 52:4c:56:00:VM:N (VM id and N in hex)
 *   tap:NET=IFNAME       joins the network NET to the management Linux's
 *                        TAP device IFNAME, which lowvisord creates (it
 *                        needs the tun module); configure it with ip(8)
 *   ram:VM=IPA           VM's RAM starts at IPA (default 0x40000000)
 * VM is a name or an id.  A window with no SPEC answers as a transport
 * without a device (DeviceID 0).  -v prints every access.
 *
 * One thread serves every request in turn, and the frames the TAP devices
 * have (it polls them with /dev/lowvisor); a backing file's I/O holds up
 * the others meanwhile.  A frontend that is reset or stopped loses its
 * RAM under the daemon (lowvisor.ko revokes it): a touch of it then
 * raises SIGBUS, which ends the request or frame at hand and resets the
 * devices of the frontend whose RAM it was, as its next boot will anyway.
 *
 * Exit status 1 when it cannot start (printed as words), 2 for a bad
 * command line.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lowvisor-dev.h"
#include "lowvisord.h"

#define DEVICE "/dev/lowvisor"
#define DEFAULT_CONF "/etc/lowvisord.conf"
#define DEFAULT_RAM_IPA 0x40000000ull
#define SPECS_MAX 64u
#define TAPS_MAX 16u
#define VIRTIO_MAGIC 0x74726976u
#define VIRTIO_VENDOR 0x564f4c4cu

static int dev = -1;
static bool verbose;
static struct guest *guests[LOWVISOR_IOREQ_VMS];
static struct vdev *devs[LOWVISOR_IOREQ_VMS][LOWVISOR_VIRTIO_MAX];
static uint8_t absent_told[LOWVISOR_IOREQ_VMS]; /* windows said to have no device */

/* ---- What the daemon gives virtio-mmio.c ---- */

int guest_map(struct guest *g)
{
	struct lowvisor_map map = { .vm = g->vm };
	void *p;

	if (ioctl(dev, LOWVISOR_MAP_GUEST, &map))
		return -errno;
	if (g->ram && map.gen == g->gen)
		return 0;
	/* Mapped afresh (the frontend was reset): the old mapping is gone. */
	if (g->ram)
		munmap(g->ram, (size_t)g->ram_size);
	g->ram = NULL;
	p = mmap(NULL, (size_t)map.size, PROT_READ | PROT_WRITE, MAP_SHARED, dev,
		 (off_t)map.offset);
	if (p == MAP_FAILED)
		return -errno;
	g->ram = p;
	g->ram_size = map.size;
	g->map_offset = map.offset;
	g->gen = map.gen;
	printf("lowvisord: vm %u's RAM (%" PRIu64 " MiB at 0x%" PRIx64 ") mapped from offset 0x%"
	       PRIx64 "\n", g->vm, g->ram_size >> 20, g->ram_ipa, g->map_offset);
	return 0;
}

void vdev_set_irq(struct vdev *d, bool level)
{
	struct lowvisor_irq_line l = {
		.vm = d->guest->vm,
		.irq_level = {
			.irq = lowvisor_irq_encode(LOWVISOR_IRQ_TYPE_SPI, 0,
						   32 + LOWVISOR_VIRTIO_SPI + d->index),
			.level = level,
		},
	};

	if (ioctl(dev, LOWVISOR_IRQ_LINE, &l))
		vdev_log(d, "IRQ_LINE %u: %s", level, strerror(errno));
}

/* ---- Configuration ---- */

struct spec {
	char kind;        /* 'b' blk, 'n' net, 't' tap, 'r' ram */
	const char *vm;   /* for a tap: the network */
	unsigned int index;
	const char *path; /* for a net: the network; for a tap: its name */
	bool ro;
	bool has_mac;
	uint8_t mac[6];
	uint64_t ipa;
};

static struct spec specs[SPECS_MAX];
static unsigned int spec_count;

static bool parse_num(const char *s, uint64_t max, uint64_t *out)
{
	char *end;

	if (!*s || *s == '-')
		return false;
	errno = 0;
	*out = strtoull(s, &end, 0);
	return !errno && !*end && *out <= max;
}

static bool parse_mac(const char *s, uint8_t *mac)
{
	unsigned int b[6], i;
	char end;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
		   &end) != 6 || strlen(s) != 17)
		return false;
	for (i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	return !(mac[0] & 1); /* a unicast address */
}

/* net:VM:N=NET[,mac=M] after its "net:"; false if it is bad. */
static bool parse_net(struct spec *sp, char *rest)
{
	char *opt;
	uint64_t n;

	sp->kind = 'n';
	sp->vm = strsep(&rest, ":");
	opt = rest ? strsep(&rest, "=") : NULL;
	if (!opt || !rest || !*rest || !*sp->vm || !parse_num(opt, LOWVISOR_VIRTIO_MAX - 1, &n))
		return false;
	sp->index = (unsigned int)n;
	sp->path = strsep(&rest, ",");
	if (!*sp->path)
		return false;
	while ((opt = strsep(&rest, ",")))
		if (!strncmp(opt, "mac=", 4) && parse_mac(opt + 4, sp->mac))
			sp->has_mac = true;
		else
			return false;
	return true;
}

/* tap:NET=IFNAME after its "tap:"; false if it is bad. */
static bool parse_tap(struct spec *sp, char *rest)
{
	sp->kind = 't';
	sp->vm = strsep(&rest, "=");
	sp->path = rest;
	return rest && *sp->vm && *rest && strlen(rest) < 16; /* IFNAMSIZ */
}

/* One SPEC (s is kept: the spec points into it); false if it is bad. */
static bool parse_spec(char *s)
{
	struct spec *sp = &specs[spec_count];
	char *rest, *opt;
	uint64_t n;

	memset(sp, 0, sizeof(*sp));
	if (spec_count == SPECS_MAX)
		return false;
	if (!strncmp(s, "blk:", 4)) {
		sp->kind = 'b';
		rest = s + 4;
		sp->vm = strsep(&rest, ":");
		opt = rest ? strsep(&rest, "=") : NULL;
		if (!opt || !rest || !*rest || !*sp->vm ||
		    !parse_num(opt, LOWVISOR_VIRTIO_MAX - 1, &n))
			return false;
		sp->index = (unsigned int)n;
		sp->path = strsep(&rest, ",");
		while ((opt = strsep(&rest, ",")))
			if (!strcmp(opt, "ro"))
				sp->ro = true;
			else
				return false;
	} else if (!strncmp(s, "net:", 4)) {
		if (!parse_net(sp, s + 4))
			return false;
	} else if (!strncmp(s, "tap:", 4)) {
		if (!parse_tap(sp, s + 4))
			return false;
	} else if (!strncmp(s, "ram:", 4)) {
		sp->kind = 'r';
		rest = s + 4;
		sp->vm = strsep(&rest, "=");
		if (!rest || !*sp->vm || !parse_num(rest, UINT64_MAX, &sp->ipa))
			return false;
	} else {
		return false;
	}
	spec_count++;
	return true;
}

/* The SPECs of a file, one per line; 0, or 1 having said why not. */
static int read_conf(const char *file)
{
	FILE *f = fopen(file, "r");
	char line[512];
	unsigned int no = 0;

	if (!f) {
		fprintf(stderr, "lowvisord: %s: %s\n", file, strerror(errno));
		return 1;
	}
	while (fgets(line, sizeof(line), f)) {
		char *s = line, *end;

		no++;
		*strchrnul(s, '#') = 0;
		s += strspn(s, " \t\r\n");
		end = s + strcspn(s, " \t\r\n");
		if (s == end)
			continue;
		*end = 0;
		if (!parse_spec(strdup(s))) {
			fprintf(stderr, "lowvisord: %s:%u: bad or one too many: %s\n", file, no, s);
			fclose(f);
			return 1;
		}
	}
	fclose(f);
	return 0;
}

/* A VM's id by name, or by number when no VM has that name; -1 if none. */
static long vm_lookup(const char *name)
{
	struct lowvisor_vm_list l;
	uint64_t id;
	uint32_t i;

	memset(&l, 0, sizeof(l));
	do {
		if (ioctl(dev, LOWVISOR_VM_LIST, &l))
			return -1;
		for (i = 0; i < l.count; i++)
			if (!strncmp(l.vms[i].name, name, sizeof(l.vms[i].name)))
				return l.vms[i].id;
		l.first += l.count;
	} while (l.count && l.first < l.total);
	return parse_num(name, LOWVISOR_IOREQ_VMS - 1, &id) ? (long)id : -1;
}

static struct guest *guest_get(unsigned int vm)
{
	if (!guests[vm]) {
		guests[vm] = calloc(1, sizeof(*guests[vm]));
		if (!guests[vm])
			return NULL;
		guests[vm]->vm = vm;
		guests[vm]->ram_ipa = DEFAULT_RAM_IPA;
	}
	return guests[vm];
}

/* A tap: SPEC's TAP device; 0, or 1 having said why not. */
static int setup_tap(const struct spec *sp)
{
	int fd = net_tap_open(sp->vm, sp->path);

	if (fd < 0) {
		fprintf(stderr, "lowvisord: tap %s: %s (modprobe tun)\n", sp->path, strerror(-fd));
		return 1;
	}
	printf("lowvisord: network %s: TAP device %s\n", sp->vm, sp->path);
	return 0;
}

/* A net: SPEC's device d; 0, or 1 having said why not. */
static int setup_net(const struct spec *sp, long vm, struct vdev *d)
{
	const uint8_t *m;
	int err = net_attach(d, sp->path, sp->has_mac ? sp->mac : NULL);

	if (err) {
		fprintf(stderr, "lowvisord: network %s: %s\n", sp->path, strerror(-err));
		return 1;
	}
	m = d->u.net.mac;
	printf("lowvisord: vm %ld (%s) device %u: virtio-net on network %s, "
	       "%02x:%02x:%02x:%02x:%02x:%02x\n", vm, sp->vm, sp->index, sp->path, m[0], m[1],
	       m[2], m[3], m[4], m[5]);
	return 0;
}

/* The devices of the SPECs; 0, or 1 having said why not. */
static int setup(void)
{
	unsigned int i;

	for (i = 0; i < spec_count; i++) {
		const struct spec *sp = &specs[i];
		long vm = sp->kind == 't' ? 0 : vm_lookup(sp->vm);
		struct vdev *d;
		int err;

		if (sp->kind == 't') {
			if (setup_tap(sp))
				return 1;
			continue;
		}

		if (vm < 0) {
			fprintf(stderr, "lowvisord: %s: no such VM (lowvisorctl list)\n", sp->vm);
			return 1;
		}
		if (!guest_get((unsigned int)vm))
			return 1;
		if (sp->kind == 'r') {
			guests[vm]->ram_ipa = sp->ipa;
			continue;
		}
		if (devs[vm][sp->index]) {
			fprintf(stderr, "lowvisord: vm %s device %u: given twice\n", sp->vm, sp->index);
			return 1;
		}
		d = calloc(1, sizeof(*d));
		if (!d)
			return 1;
		d->guest = guests[vm];
		d->index = sp->index;
		if (sp->kind == 'n') {
			if (setup_net(sp, vm, d))
				return 1;
			devs[vm][sp->index] = d;
			continue;
		}
		err = blk_open(d, sp->path, sp->ro);
		if (err) {
			fprintf(stderr, "lowvisord: %s: %s\n", sp->path, strerror(-err));
			return 1;
		}
		devs[vm][sp->index] = d;
		printf("lowvisord: vm %ld (%s) device %u: virtio-blk %s, %" PRIu64 " sectors, %s\n",
		       vm, sp->vm, sp->index, sp->path, d->u.blk.sectors,
		       sp->ro ? "read-only" : "read-write");
	}
	return 0;
}

/* ---- Serving ---- */

static sigjmp_buf fault_jmp;
static volatile sig_atomic_t fault_armed;
static void *volatile fault_addr;
static struct lowvisor_mmio cur; /* the request at hand */
static volatile bool cur_done;

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	if (fault_armed) {
		fault_armed = 0;
		fault_addr = si->si_addr;
		siglongjmp(fault_jmp, 1);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

static void complete(struct lowvisor_mmio *m)
{
	cur_done = true;
	/* ENOENT: cancelled by the frontend's reset meanwhile. */
	if (ioctl(dev, LOWVISOR_IOREQ_COMPLETE, m) && errno != ENOENT)
		fprintf(stderr, "lowvisord: vm %u: complete: %s\n", m->vm, strerror(errno));
}

/* A window nothing backs: a transport without a device. */
static uint32_t absent_read(const struct lowvisor_mmio *m, unsigned int off)
{
	if (!(absent_told[m->vm] & 1u << m->device)) {
		absent_told[m->vm] |= (uint8_t)(1u << m->device);
		fprintf(stderr, "lowvisord: vm %u device %u: nothing configured: no device there\n",
			m->vm, m->device);
	}
	switch (off) {
	case 0x000: return VIRTIO_MAGIC;
	case 0x004: return 2;
	case 0x00c: return VIRTIO_VENDOR;
	default: return 0;
	}
}

static void serve(struct lowvisor_mmio *m)
{
	uint64_t base = LOWVISOR_VIRTIO_BASE + (uint64_t)m->device * LOWVISOR_VIRTIO_SIZE;
	struct vdev *d = NULL;
	unsigned int off = 0;
	uint32_t v;

	if (m->vm < LOWVISOR_IOREQ_VMS && m->device < LOWVISOR_VIRTIO_MAX &&
	    m->phys_addr - base < LOWVISOR_VIRTIO_SIZE) {
		d = devs[m->vm][m->device];
		off = (unsigned int)(m->phys_addr - base);
	}
	memcpy(&v, m->data, sizeof(v));
	if (!m->is_write) {
		v = d ? vdev_read(d, off, m->len) : absent_read(m, off);
		memcpy(m->data, &v, sizeof(v));
	}
	if (verbose)
		printf("lowvisord: vm %u vcpu %u %s 0x%08" PRIx64 " (%u) %s 0x%08x%s\n", m->vm,
		       m->vcpu, m->is_write ? "write" : "read", (uint64_t)m->phys_addr, m->len,
		       m->is_write ? "<-" : "->", v, m->posted ? " posted" : "");
	/* A posted write's vCPU runs on: let its next access through first. */
	if (m->posted)
		complete(m);
	if (m->is_write && d)
		vdev_write(d, off, m->len, v);
}

/* The frontend whose RAM mapping holds p: LOWVISOR_IOREQ_VMS if none. */
static unsigned int guest_at(const void *p)
{
	unsigned int vm;

	for (vm = 0; vm < LOWVISOR_IOREQ_VMS; vm++)
		if (guests[vm] && guests[vm]->ram && (const uint8_t *)p >= guests[vm]->ram &&
		    (uint64_t)((const uint8_t *)p - guests[vm]->ram) < guests[vm]->ram_size)
			return vm;
	return LOWVISOR_IOREQ_VMS;
}

/* A frontend's RAM was revoked under a request or a frame (the fault was at
 * addr): it was reset or stopped. */
static void revoked(const void *addr)
{
	unsigned int vm = guest_at(addr), i;
	struct guest *g = vm < LOWVISOR_IOREQ_VMS ? guests[vm] : NULL;

	if (!g)
		return;
	fprintf(stderr, "lowvisord: vm %u's RAM went away (reset or stopped): its devices reset\n",
		vm);
	if (g->ram)
		munmap(g->ram, (size_t)g->ram_size);
	g->ram = NULL;
	g->ram_size = 0;
	for (i = 0; i < LOWVISOR_VIRTIO_MAX; i++)
		if (devs[vm][i])
			vdev_reset(devs[vm][i]);
}

/* One request of /dev/lowvisor, if there is one: 0, 1 when there is none,
 * or -1 having said why it cannot read. */
static int serve_one(void)
{
	ssize_t r = read(dev, &cur, sizeof(cur));

	if (r < 0 && (errno == EINTR || errno == EAGAIN))
		return 1;
	if (r != sizeof(cur)) {
		fprintf(stderr, "lowvisord: read: %s\n", r < 0 ? strerror(errno) : "short");
		return -1;
	}
	cur_done = false;
	if (sigsetjmp(fault_jmp, 1)) {
		revoked(fault_addr);
	} else {
		fault_armed = 1;
		serve(&cur);
		fault_armed = 0;
	}
	if (!cur_done)
		complete(&cur);
	return 0;
}

/* The frames a TAP device has for its network. */
static void serve_fd(int fd)
{
	if (sigsetjmp(fault_jmp, 1)) {
		revoked(fault_addr);
	} else {
		fault_armed = 1;
		net_fd_input(fd);
		fault_armed = 0;
	}
}

static int serve_forever(void)
{
	struct pollfd pfd[1 + TAPS_MAX];
	int fds[TAPS_MAX];
	unsigned int i, n = net_fds(fds, TAPS_MAX);
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigbus;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGBUS, &sa, NULL);
	pfd[0] = (struct pollfd){ .fd = dev, .events = POLLIN };
	for (i = 0; i < n; i++)
		pfd[1 + i] = (struct pollfd){ .fd = fds[i], .events = POLLIN };
	for (;;) {
		if (poll(pfd, 1 + n, -1) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "lowvisord: poll: %s\n", strerror(errno));
			return 1;
		}
		/* Requests first, at most a ring's worth, then each TAP's frames. */
		for (i = 0; i < LOWVISOR_IOREQ_VMS * 4 && pfd[0].revents; i++) {
			int r = serve_one();

			if (r < 0)
				return 1;
			if (r)
				break;
		}
		for (i = 0; i < n; i++)
			if (pfd[1 + i].revents)
				serve_fd(fds[i]);
	}
}

static int usage(void)
{
	fprintf(stderr, "usage: lowvisord [-v] [-c FILE] [SPEC...]\n"
			"  SPEC  blk:VM:N=PATH[,ro]  device N of VM: a virtio-blk disk on PATH\n"
			"        net:VM:N=NET[,mac=M] device N of VM: a virtio-net device on network NET\n"
			"        tap:NET=IFNAME      network NET joined to TAP device IFNAME\n"
			"        ram:VM=IPA          VM's RAM starts at IPA (default 0x%llx)\n"
			"  FILE  SPECs, one per line (default %s without SPECs)\n",
		DEFAULT_RAM_IPA, DEFAULT_CONF);
	return 2;
}

int main(int argc, char **argv)
{
	const char *conf = NULL;
	int opt, i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((opt = getopt(argc, argv, "vc:")) != -1) {
		if (opt == 'v')
			verbose = true;
		else if (opt == 'c')
			conf = optarg;
		else
			return usage();
	}
	for (i = optind; i < argc; i++)
		if (!parse_spec(argv[i])) {
			fprintf(stderr, "lowvisord: bad SPEC: %s\n", argv[i]);
			return usage();
		}
	if ((conf || optind == argc) && read_conf(conf ? conf : DEFAULT_CONF))
		return 1;
	dev = open(DEVICE, O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (dev < 0) {
		fprintf(stderr, "lowvisord: %s: %s (insmod lowvisor.ko)\n", DEVICE, strerror(errno));
		return 1;
	}
	if (setup())
		return 1;
	printf("lowvisord: serving\n");
	return serve_forever();
}
