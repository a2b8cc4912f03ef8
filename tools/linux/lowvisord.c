// SPDX-License-Identifier: MIT
/*
 * lowvisord: the device models of Lowvisor's management partition.  It
 * serves the virtio devices whose backend is this VM, for all frontends at
 * once, on /dev/lowvisor (lowvisor-dev.h): each forwarded access to a
 * virtio-mmio window is one read() and one LOWVISOR_IOREQ_COMPLETE; the
 * frontends' RAM comes from LOWVISOR_MAP_GUEST and mmap(); their
 * interrupts go out with LOWVISOR_IRQ_LINE.  The transport and the
 * virtqueues are virtio-mmio.c, the devices virtio-blk.c and virtio-net.c
 * (lowvisord.h), the SPECs lowvisord-spec.c.
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
 *   con:VM:N             device N is a virtio-console whose endpoint is the
 *                        UNIX socket /run/lowvisord/console-NAME-N (NAME:
 *                        VM's name in VM_LIST), for `lowvisorctl console`
 *   tap:NET=IFNAME       joins the network NET to the management Linux's
 *                        TAP device IFNAME, which lowvisord creates (it
 *                        needs the tun module), persistent; configure it
 *                        with ip(8): that outlives the daemon too
 * A blk:, net: or con: SPEC may end in ",legacy" (after its other options,
 * or among them): that device's window speaks the legacy virtio-mmio
 * transport (version 1, for a driver that knows no other) instead of
 * version 2.
 * VM is a name or an id.  Each blk:, net: and con: SPEC is checked against
 * VM_LIST before anything is opened: VM has a device N, of the SPEC's type
 * (block, net, console), whose backend is this VM (its id from its DT,
 * /chosen/lowvisor,vm-id).  A frontend's RAM is where VM_LIST says
 * (mem_base).  A window of this VM's with no SPEC answers as a transport
 * without a device (DeviceID 0).  -v prints every access.  Each window's
 * state goes to LOWVISORD_STATE_FILE (lowvisord.h) for `lowvisorctl
 * devices`.
 *
 * One thread serves every request in turn, the frames the TAP devices
 * have and the consoles' clients (it polls them with /dev/lowvisor); a backing file's I/O holds up
 * the others meanwhile.  A frontend that is reset or stopped loses its
 * RAM under the daemon (lowvisor.ko revokes it): a touch of it then
 * raises SIGBUS, which ends the request or frame at hand and resets the
 * devices of the frontend whose RAM it was, as its next boot will anyway;
 * a frame being copied into a receiver that resets ends there, and the
 * sender's request completes (ram_guarded).
 *
 * Each device's struct vdev lives in a file mapped shared (dev_state_map):
 * a lowvisord killed at any moment leaves its transports there, and the
 * next one takes them over (vdev_resume); lowvisor.ko hands the requests
 * a killed daemon had read and not completed to the next.
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
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lowvisor-dev.h"
#include "lowvisord.h"

#define DEVICE "/dev/lowvisor"
#define DEFAULT_CONF "/etc/lowvisord.conf"
#define SELF_ID "/proc/device-tree/chosen/lowvisor,vm-id"
#define SPECS_MAX 64u
#define TAPS_MAX 16u
#define CON_FDS_MAX 32u
#define CON_DIR "/run/lowvisord"
#define VIRTIO_MAGIC 0x74726976u
#define VIRTIO_VENDOR 0x564f4c4cu

static int dev = -1;
static bool verbose;
static struct guest *guests[LOWVISOR_IOREQ_VMS];
static struct vdev *devs[LOWVISOR_IOREQ_VMS][LOWVISOR_VIRTIO_MAX];
static uint8_t unbacked[LOWVISOR_IOREQ_VMS]; /* windows with no SPEC, said so: bit i */

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

static struct spec specs[SPECS_MAX];
static unsigned int spec_count;
static struct lowvisor_vm_info vms[LOWVISOR_IOREQ_VMS]; /* VM_LIST at start */
static unsigned int vm_count;

static bool spec_add(char *s)
{
	if (spec_count == SPECS_MAX || !spec_parse(s, &specs[spec_count]))
		return false;
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
		if (!spec_add(strdup(s))) {
			fprintf(stderr, "lowvisord: %s:%u: bad or one too many: %s\n", file, no, s);
			fclose(f);
			return 1;
		}
	}
	fclose(f);
	return 0;
}

/* Every VM's VM_LIST entry into vms[]; 0, or 1 having said why not. */
static int vms_read(void)
{
	static struct lowvisor_vm_list l;
	uint32_t i;

	memset(&l, 0, sizeof(l));
	do {
		if (ioctl(dev, LOWVISOR_VM_LIST, &l)) {
			fprintf(stderr, "lowvisord: VM_LIST: %s\n", strerror(errno));
			return 1;
		}
		for (i = 0; i < l.count && vm_count < LOWVISOR_IOREQ_VMS; i++)
			vms[vm_count++] = l.vms[i];
		l.first += l.count;
	} while (l.count && l.first < l.total);
	return 0;
}

/*
 * This VM's id, from the DT Lowvisor gave it (/chosen/lowvisor,vm-id, one
 * big-endian cell); -1 if it is not there, having said that the backend
 * of each device is then not checked.
 */
static long self_id(void)
{
	uint8_t b[4];
	int fd = open(SELF_ID, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, b, sizeof(b));

	if (fd >= 0)
		close(fd);
	if (n != sizeof(b)) {
		fprintf(stderr, "lowvisord: %s: %s: which VM backs a device is not checked\n",
			SELF_ID, n < 0 ? strerror(errno) : "not one cell");
		return -1;
	}
	return (long)((uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3]);
}

static struct guest *guest_get(const struct lowvisor_vm_info *vm)
{
	struct guest **g = &guests[vm->id];

	if (!*g) {
		*g = calloc(1, sizeof(**g));
		if (!*g)
			return NULL;
		(*g)->vm = vm->id;
		(*g)->ram_ipa = vm->mem_base;
	}
	return *g;
}

/* sp checked against VM_LIST; its VM's entry, or NULL having said why. */
static const struct lowvisor_vm_info *spec_vm(const struct spec *sp, long self)
{
	const struct lowvisor_vm_info *vm;
	char why[200];

	vm = spec_check(sp, vms, vm_count, self, why, sizeof(why));
	if (!vm)
		fprintf(stderr, "lowvisord: %s\n", why);
	else if (vm->id >= LOWVISOR_IOREQ_VMS)
		fprintf(stderr, "lowvisord: vm '%.32s' has id %u: beyond lowvisord's %u\n",
			vm->name, vm->id, LOWVISOR_IOREQ_VMS);
	else
		return vm;
	return NULL;
}

/* A blk: SPEC's device d; 0, or 1 having said why not. */
static int open_blk(const struct spec *sp, const struct lowvisor_vm_info *vm, struct vdev *d)
{
	int err = blk_open(d, sp->path, sp->ro);

	if (err) {
		fprintf(stderr, "lowvisord: %s: %s\n", sp->path, strerror(-err));
		return 1;
	}
	printf("lowvisord: vm %u (%.32s) device %u: virtio-blk %s, %" PRIu64 " sectors, %s\n",
	       vm->id, vm->name, sp->index, sp->path, d->u.blk.sectors,
	       sp->ro ? "read-only" : "read-write");
	return 0;
}

/* A net: SPEC's device d; 0, or 1 having said why not. */
static int open_net(const struct spec *sp, const struct lowvisor_vm_info *vm, struct vdev *d)
{
	const uint8_t *m;
	int err = net_attach(d, sp->path, sp->has_mac ? sp->mac : NULL);

	if (err) {
		fprintf(stderr, "lowvisord: network %s: %s\n", sp->path, strerror(-err));
		return 1;
	}
	m = d->u.net.mac;
	printf("lowvisord: vm %u (%.32s) device %u: virtio-net on network %s, "
	       "%02x:%02x:%02x:%02x:%02x:%02x\n", vm->id, vm->name, sp->index, sp->path, m[0],
	       m[1], m[2], m[3], m[4], m[5]);
	return 0;
}

/* A con: SPEC's device d; 0, or 1 having said why not. */
static int open_con(const struct spec *sp, const struct lowvisor_vm_info *vm, struct vdev *d)
{
	char path[108];
	int err;

	snprintf(path, sizeof(path), CON_DIR "/console-%.32s-%u", vm->name, sp->index);
	err = con_open(d, path);
	if (err) {
		fprintf(stderr, "lowvisord: %s: %s\n", path, strerror(-err));
		return 1;
	}
	printf("lowvisord: vm %u (%.32s) device %u: virtio-console on %s\n", vm->id, vm->name,
	       sp->index, path);
	return 0;
}

/* A tap: SPEC's TAP device; 0, or 1 having said why not. */
static int open_tap(const struct spec *sp)
{
	int fd = net_tap_open(sp->vm, sp->path);

	if (fd < 0) {
		fprintf(stderr, "lowvisord: tap %s: %s (modprobe tun)\n", sp->path, strerror(-fd));
		return 1;
	}
	printf("lowvisord: network %s: TAP device %s\n", sp->vm, sp->path);
	return 0;
}

/* ---- Device state that outlives the daemon ---- */

/*
 * Each device's struct vdev lives in a file of its own, DEV_STATE_DIR/
 * dev-VM-N (tmpfs: until the management Linux reboots), mapped shared: a
 * lowvisord killed at any moment leaves its transport's registers and
 * queues there, and the next one given the same kind of SPEC for that
 * device takes them back (vdev_resume) instead of facing a driver in the
 * middle of its work with a device it never set up.  What belongs to a
 * process (the backing file, the switch port, the console's sockets) is
 * opened anew; a file of another layout, kind or transport version is
 * started afresh.
 */
#define DEV_STATE_DIR CON_DIR
#define DEV_STATE_MAGIC 0x5344564cu /* "LVDS" */
#define DEV_STATE_VERSION 2u /* struct vdev's layout: the net backlog */

struct dev_state {
	uint32_t magic, version, size;
	char kind;          /* the SPEC's: 'b', 'n' or 'c' */
	struct vdev d;
};

/* sp's device's state in its file: *resumed if the last lowvisord left it;
 * NULL having said why not. */
static struct vdev *dev_state_map(const struct lowvisor_vm_info *vm, const struct spec *sp,
				  bool *resumed)
{
	char path[64];
	struct dev_state *st;
	int fd;

	snprintf(path, sizeof(path), DEV_STATE_DIR "/dev-%u-%u", vm->id, sp->index);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || ftruncate(fd, sizeof(*st))) {
		fprintf(stderr, "lowvisord: %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	st = mmap(NULL, sizeof(*st), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (st == MAP_FAILED) {
		fprintf(stderr, "lowvisord: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	*resumed = st->magic == DEV_STATE_MAGIC && st->version == DEV_STATE_VERSION &&
		   st->size == sizeof(*st) && st->kind == sp->kind && st->d.legacy == sp->legacy;
	if (!*resumed) {
		memset(st, 0, sizeof(*st));
		st->magic = DEV_STATE_MAGIC;
		st->version = DEV_STATE_VERSION;
		st->size = sizeof(*st);
		st->kind = sp->kind;
	}
	return &st->d;
}

/* What a checked SPEC names (vm: its VM, NULL for a tap:); 0, or 1 having
 * said why not.  *resumed: its device's state was the last daemon's. */
static int spec_open(const struct spec *sp, const struct lowvisor_vm_info *vm, bool *resumed)
{
	struct vdev *d;

	*resumed = false;
	if (sp->kind == 't')
		return open_tap(sp);
	d = dev_state_map(vm, sp, resumed);
	if (!d || !guest_get(vm))
		return 1;
	/* Its RAM at VM_LIST's mem_base (guest_get), for either kind. */
	d->guest = guests[vm->id];
	d->index = sp->index;
	d->legacy = sp->legacy;
	if (sp->kind == 'n' ? open_net(sp, vm, d) :
	    sp->kind == 'c' ? open_con(sp, vm, d) : open_blk(sp, vm, d))
		return 1;
	if (d->legacy)
		printf("lowvisord: vm %u (%.32s) device %u: legacy virtio-mmio (version 1)\n",
		       vm->id, vm->name, sp->index);
	devs[vm->id][sp->index] = d;
	return 0;
}

static void resume(void *d)
{
	vdev_resume(d);
}

/* The windows this VM serves that no SPEC backs: said once, here. */
static void unbacked_find(long self)
{
	unsigned int i, k;

	for (i = 0; i < vm_count; i++) {
		const struct lowvisor_vm_info *vm = &vms[i];

		for (k = 0; k < vm->virtio_count && k < LOWVISOR_VIRTIO_MAX; k++) {
			if (vm->id >= LOWVISOR_IOREQ_VMS || vm->virtio_backend[k] != self ||
			    devs[vm->id][k])
				continue;
			unbacked[vm->id] |= (uint8_t)(1u << k);
			printf("lowvisord: vm %u (%.32s) device %u: %s device with no backing (no "
			       "SPEC): answers as no device\n", vm->id, vm->name, k,
			       virtio_type_name(vm->virtio_type[k]));
		}
	}
}

/*
 * One lowvisord at a time: two would take the same requests and the same
 * device state.  The lock (on a file of CON_DIR) goes with the process,
 * however it ends.  0, or 1 having said why not.
 */
static int lock_take(void)
{
	int fd;

	if (mkdir(CON_DIR, 0700) && errno != EEXIST) {
		fprintf(stderr, "lowvisord: %s: %s\n", CON_DIR, strerror(errno));
		return 1;
	}
	fd = open(CON_DIR "/lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd >= 0 && !flock(fd, LOCK_EX | LOCK_NB))
		return 0; /* held until the process ends */
	if (errno == EWOULDBLOCK)
		fprintf(stderr, "lowvisord: another lowvisord is serving (stop it first)\n");
	else
		fprintf(stderr, "lowvisord: %s/lock: %s\n", CON_DIR, strerror(errno));
	return 1;
}

/* The devices of the SPECs, every SPEC checked first; 0, or 1 having said
 * why not. */
static int setup(void)
{
	const struct lowvisor_vm_info *vm[SPECS_MAX];
	bool resumed[SPECS_MAX];
	unsigned int i, k;
	struct vdev *d;
	long self;

	if (vms_read())
		return 1;
	self = self_id();
	for (i = 0; i < spec_count; i++) {
		vm[i] = NULL;
		if (specs[i].kind == 't')
			continue; /* a network's, no VM's */
		vm[i] = spec_vm(&specs[i], self);
		if (!vm[i])
			return 1;
		for (k = 0; k < i; k++)
			if (vm[k] == vm[i] && specs[k].index == specs[i].index) {
				fprintf(stderr, "lowvisord: vm '%.32s' device %u: given twice\n",
					vm[i]->name, specs[i].index);
				return 1;
			}
	}
	if (lock_take())
		return 1;
	for (i = 0; i < spec_count; i++)
		if (spec_open(&specs[i], vm[i], &resumed[i]))
			return 1;
	/* Every device open first: a queue served may switch a frame to another. */
	for (i = 0; i < spec_count; i++) {
		if (!resumed[i])
			continue;
		d = devs[vm[i]->id][specs[i].index];
		if (!ram_guarded(resume, d))
			vdev_reset(d);
		printf("lowvisord: vm %u (%.32s) device %u: taken over from the last lowvisord: "
		       "%s\n", vm[i]->id, vm[i]->name, specs[i].index, vdev_state(d));
	}
	if (self >= 0)
		unbacked_find(self);
	return 0;
}

/* ---- The state file (lowvisord.h) ---- */

/* What each window's line in the file says now; NULL: no line. */
static const char *shown[LOWVISOR_IOREQ_VMS][LOWVISOR_VIRTIO_MAX];
static bool shown_attached[LOWVISOR_IOREQ_VMS][LOWVISOR_VIRTIO_MAX];

static const char *window_state(unsigned int vm, unsigned int i)
{
	if (devs[vm][i])
		return vdev_state(devs[vm][i]);
	return unbacked[vm] & 1u << i ? "no backing" : NULL;
}

/* A console with a client (lowvisorctl console) attached. */
static bool window_attached(unsigned int vm, unsigned int i)
{
	const struct vdev *d = devs[vm][i];

	return d && d->type == &con_type && d->u.con.cfd >= 0;
}

static void state_write(void)
{
	static bool told;
	const char *tmp = LOWVISORD_STATE_FILE ".new";
	FILE *f = fopen(tmp, "w");
	unsigned int vm, i;
	bool ok = f && fprintf(f, "pid %d\n", (int)getpid()) > 0;

	for (vm = 0; vm < LOWVISOR_IOREQ_VMS; vm++)
		for (i = 0; i < LOWVISOR_VIRTIO_MAX; i++) {
			shown[vm][i] = window_state(vm, i);
			shown_attached[vm][i] = window_attached(vm, i);
			if (ok && shown[vm][i])
				ok = fprintf(f, "%u %u %s%s\n", vm, i, shown[vm][i],
					     shown_attached[vm][i] ? ", attached" : "") > 0;
		}
	if (f && fclose(f))
		ok = false;
	if (ok && !rename(tmp, LOWVISORD_STATE_FILE))
		return;
	if (!told)
		fprintf(stderr, "lowvisord: %s: %s (said once; tried again at each change)\n",
			LOWVISORD_STATE_FILE, strerror(errno));
	told = true;
	unlink(tmp);
}

/*
 * The file again if a device changed its state: any frontend's, not only
 * the one whose request it was, since a frame switched from one device
 * (or a TAP device) may break another, and a SIGBUS resets the devices of
 * the frontend whose RAM faulted.  Only frontends with a device can change.
 */
static void state_refresh(void)
{
	unsigned int vm, i;

	for (vm = 0; vm < LOWVISOR_IOREQ_VMS; vm++)
		for (i = 0; guests[vm] && i < LOWVISOR_VIRTIO_MAX; i++)
			if (window_state(vm, i) != shown[vm][i] ||
			    window_attached(vm, i) != shown_attached[vm][i]) {
				state_write();
				return;
			}
}

static void on_term(int sig)
{
	unlink(LOWVISORD_STATE_FILE);
	signal(sig, SIG_DFL);
	raise(sig);
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
	/* Said at the start when this VM's id is known; otherwise at its first access. */
	if (m->vm < LOWVISOR_IOREQ_VMS && m->device < LOWVISOR_VIRTIO_MAX &&
	    !(unbacked[m->vm] & 1u << m->device)) {
		unbacked[m->vm] |= (uint8_t)(1u << m->device);
		printf("lowvisord: vm %u device %u: no backing (no SPEC): answers as no device\n",
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
	state_refresh();
	return 0;
}

bool ram_guarded(void (*fn)(void *), void *arg)
{
	sig_atomic_t armed = fault_armed;
	sigjmp_buf outer;
	bool ok = true;

	memcpy(outer, fault_jmp, sizeof(outer));
	if (sigsetjmp(fault_jmp, 1)) {
		revoked(fault_addr);
		ok = false;
	} else {
		fault_armed = 1;
		fn(arg);
	}
	memcpy(fault_jmp, outer, sizeof(outer));
	fault_armed = armed;
	return ok;
}

/* The frames a TAP device has for its network, or (con) what poll() said
 * of a console's socket. */
static void serve_fd(const struct pollfd *p, bool con)
{
	if (sigsetjmp(fault_jmp, 1)) {
		revoked(fault_addr);
	} else {
		fault_armed = 1;
		if (con)
			con_fd_event(p->fd, p->revents);
		else
			net_fd_input(p->fd);
		fault_armed = 0;
	}
	state_refresh();
}

static int serve_forever(void)
{
	struct pollfd pfd[1 + TAPS_MAX + CON_FDS_MAX];
	int fds[TAPS_MAX];
	unsigned int i, n = net_fds(fds, TAPS_MAX), c;

	pfd[0] = (struct pollfd){ .fd = dev, .events = POLLIN };
	for (i = 0; i < n; i++)
		pfd[1 + i] = (struct pollfd){ .fd = fds[i], .events = POLLIN };
	for (;;) {
		/* The consoles' clients come and go: their part anew each time. */
		c = con_pollfds(pfd + 1 + n, CON_FDS_MAX);
		if (poll(pfd, 1 + n + c, -1) < 0) {
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
		for (i = 0; i < n + c; i++)
			if (pfd[1 + i].revents)
				serve_fd(&pfd[1 + i], i >= n);
	}
}

static int usage(void)
{
	fprintf(stderr, "usage: lowvisord [-v] [-c FILE] [SPEC...]\n"
			"  SPEC  blk:VM:N=PATH[,ro]  device N of VM: a virtio-blk disk on PATH\n"
			"        net:VM:N=NET[,mac=M] device N of VM: a virtio-net device on network NET\n"
			"        con:VM:N            device N of VM: a virtio-console (lowvisorctl console)\n"
			"        tap:NET=IFNAME      network NET joined to TAP device IFNAME\n"
			"        blk:, net:, con: ...,legacy  the legacy virtio-mmio transport (version 1)\n"
			"  FILE  SPECs, one per line (default %s without SPECs)\n",
		DEFAULT_CONF);
	return 2;
}

int main(int argc, char **argv)
{
	const char *conf = NULL;
	struct sigaction sa;
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
		if (!spec_add(argv[i])) {
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
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigbus;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGBUS, &sa, NULL);
	if (setup())
		return 1;
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	state_write();
	printf("lowvisord: serving\n");
	i = serve_forever();
	unlink(LOWVISORD_STATE_FILE);
	return i;
}
