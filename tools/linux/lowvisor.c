// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * lowvisor.ko: /dev/lowvisor for the management partition's Linux.
 *
 * Built out of tree against Debian's linux-headers of the armmp kernel it
 * runs on (tools/linux/linux-tools.mk), loaded with insmod.  Each ioctl
 * (tools/linux/lowvisor-dev.h) is one of Lowvisor's management hypercalls
 * (include/uapi/lowvisor.h), made with HVC #0 through the kernel's SMCCC
 * helper; the hypervisor's negative errno is the ioctl's result.
 *
 * It loads only where it can work: SMCCC 1.1 by HVC (a guest of a
 * hypervisor), CALL_UID answering Lowvisor's UUID, and VM_LIST accepted
 * (this VM is marked `management`).  Otherwise it says why in the kernel
 * log and insmod fails.
 *
 * A management VM whose DT has a "lowvisor,ioreq" node backs other VMs'
 * virtio devices: the module gives Lowvisor a page for its ring of
 * forwarded accesses (IOREQ_SETUP), takes the ring's interrupt, and hands
 * the requests to user space through read()/poll() and
 * LOWVISOR_IOREQ_COMPLETE; LOWVISOR_MAP_GUEST and mmap() give a program a
 * frontend's RAM (lowvisor-dev.h).  A request read and not completed when
 * its reader closes the device (a device model killed) is read again by
 * the next reader: the frontend's vCPU waits for an answer, not forever.
 *
 * GPL symbols (arm_smccc_1_1_get_conduit) make it dual-licensed.
 */
#include <linux/arm-smccc.h>
#include <linux/fs.h>
#include <linux/interrupt.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/of.h>
#include <linux/of_irq.h>
#include <linux/poll.h>
#include <linux/random.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <asm/memory.h>

#include "lowvisor-dev.h"

static long hvc(u32 fn, u32 a1, u32 a2, u32 a3, struct arm_smccc_res *res)
{
	arm_smccc_hvc(fn, a1, a2, a3, 0, 0, 0, 0, res);
	return (s32)res->a0;
}

/* VM_LIST into a kernel buffer (physically contiguous, in lowmem: its
 * physical address is the IPA the hypervisor writes). */
static long vm_list(struct lowvisor_vm_list *l)
{
	struct arm_smccc_res res;
	long ret;

	ret = hvc(LOWVISOR_FN_VM_LIST, (u32)virt_to_phys(l->vms), sizeof(l->vms), l->first,
		  &res);
	if (ret < 0)
		return ret;
	l->count = (u32)res.a0;
	l->total = (u32)res.a1;
	return 0;
}

static long do_irq_line(void __user *arg)
{
	struct lowvisor_irq_line req;
	struct arm_smccc_res res;

	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	return hvc(LOWVISOR_FN_IRQ_LINE, req.vm, req.irq_level.irq, req.irq_level.level, &res);
}

static long do_vm_list(void __user *arg)
{
	struct lowvisor_vm_list *l = kzalloc(sizeof(*l), GFP_KERNEL);
	long ret;

	if (!l)
		return -ENOMEM;
	if (copy_from_user(&l->first, arg, sizeof(l->first))) {
		kfree(l);
		return -EFAULT;
	}
	ret = vm_list(l);
	if (!ret && copy_to_user(arg, l, sizeof(*l)))
		ret = -EFAULT;
	kfree(l);
	return ret;
}

static long do_vm_call(u32 fn, void __user *arg)
{
	struct arm_smccc_res res;
	u32 vm;

	if (get_user(vm, (u32 __user *)arg))
		return -EFAULT;
	return hvc(fn, vm, 0, 0, &res);
}

/* ---- The device-model path: this VM as a backend ---- */

static unsigned long map_base = 0x80000000ul;
module_param(map_base, ulong, 0444);
MODULE_PARM_DESC(map_base, "where frontends' RAM appears in this VM (2 MiB aligned, free)");

static struct lowvisor_ioreq_ring *ring; /* NULL: not a backend */
static int ring_irq;
static u32 delivered[LOWVISOR_IOREQ_SLOTS]; /* the seq handed to user space */
/* The open file each was handed to, NULL once that file is closed: a
 * request its reader took and did not complete (a device model killed or
 * restarted) is handed out again, to the next reader. */
static struct file *reader[LOWVISOR_IOREQ_SLOTS];
static DEFINE_MUTEX(ring_lock);
static DECLARE_WAIT_QUEUE_HEAD(ring_wait);

static struct {
	u64 ipa, size; /* size 0: not mapped */
	u32 gen;
} maps[LOWVISOR_IOREQ_VMS];
/* The last struct lowvisor_map gen handed out; from a random start, so that
 * a gen a device model kept from an earlier load of the module (lowvisord's
 * state files) is not taken for one of this load's. */
static u32 map_gen;

/* A slot with a request not handed out yet, or -1. */
static int next_request(void)
{
	unsigned int s;

	for (s = 0; s < LOWVISOR_IOREQ_SLOTS; s++)
		if (READ_ONCE(ring->slot[s].state) == LOWVISOR_IOREQ_PENDING &&
		    (READ_ONCE(ring->slot[s].seq) != delivered[s] || !reader[s]))
			return s;
	return -1;
}

static struct address_space *dev_mapping; /* /dev/lowvisor's pages */

/* Frontends whose RAM Lowvisor revoked (their bit in the ring's mapped[]
 * cleared: a reset or stop): their pages leave every process, which gets
 * SIGBUS if it touches them, and LOWVISOR_MAP_GUEST maps them afresh. */
static void revoke_locked(void)
{
	unsigned int i;

	for (i = 0; i < LOWVISOR_IOREQ_VMS; i++) {
		if (!maps[i].size || (READ_ONCE(ring->mapped[i / 32]) >> (i % 32) & 1))
			continue;
		if (dev_mapping)
			unmap_mapping_range(dev_mapping, maps[i].ipa, maps[i].size, 1);
		maps[i].size = 0;
	}
}

static void revoke(struct work_struct *w)
{
	mutex_lock(&ring_lock);
	revoke_locked();
	mutex_unlock(&ring_lock);
}

static DECLARE_WORK(revoke_work, revoke);

static irqreturn_t ring_interrupt(int irq, void *dev)
{
	schedule_work(&revoke_work);
	wake_up_interruptible(&ring_wait);
	return IRQ_HANDLED;
}

static ssize_t lowvisor_read(struct file *f, char __user *buf, size_t len, loff_t *pos)
{
	struct lowvisor_ioreq rq;
	struct lowvisor_mmio m;
	int s, err;

	if (!ring)
		return -ENODEV;
	if (len < sizeof(m))
		return -EINVAL;
	for (;;) {
		mutex_lock(&ring_lock);
		s = next_request();
		if (s >= 0)
			break;
		mutex_unlock(&ring_lock);
		if (f->f_flags & O_NONBLOCK)
			return -EAGAIN;
		err = wait_event_interruptible(ring_wait, next_request() >= 0);
		if (err)
			return err;
	}
	smp_rmb(); /* the fields after the state (Lowvisor writes it last) */
	memcpy(&rq, &ring->slot[s], sizeof(rq));
	delivered[s] = rq.seq;
	reader[s] = f;
	mutex_unlock(&ring_lock);
	memset(&m, 0, sizeof(m));
	m.phys_addr = rq.phys_addr;
	memcpy(m.data, &rq.data, sizeof(rq.data));
	m.len = rq.len;
	m.is_write = rq.is_write;
	m.posted = rq.posted;
	m.vm = rq.vm;
	m.vcpu = rq.vcpu;
	m.device = rq.device;
	m.seq = rq.seq;
	return copy_to_user(buf, &m, sizeof(m)) ? -EFAULT : sizeof(m);
}

static __poll_t lowvisor_poll(struct file *f, poll_table *wait)
{
	if (!ring)
		return EPOLLERR;
	poll_wait(f, &ring_wait, wait);
	return next_request() >= 0 ? EPOLLIN | EPOLLRDNORM : 0;
}

/* What f was handed and did not complete goes to the next reader. */
static int lowvisor_release(struct inode *inode, struct file *f)
{
	unsigned int s;
	bool again = false;

	if (!ring)
		return 0;
	mutex_lock(&ring_lock);
	for (s = 0; s < LOWVISOR_IOREQ_SLOTS; s++)
		if (reader[s] == f) {
			reader[s] = NULL;
			again = true;
		}
	mutex_unlock(&ring_lock);
	if (again)
		wake_up_interruptible(&ring_wait);
	return 0;
}

static long do_complete(void __user *arg)
{
	struct arm_smccc_res res;
	struct lowvisor_mmio m;
	u32 val;

	if (copy_from_user(&m, arg, sizeof(m)))
		return -EFAULT;
	memcpy(&val, m.data, sizeof(val));
	if (m.len < 4)
		val &= (1u << (8 * m.len)) - 1;
	return hvc(LOWVISOR_FN_IOREQ_DONE, LOWVISOR_IOREQ_WHO(m.vm, m.vcpu), m.seq,
		   m.is_write ? 0 : val, &res);
}

/* The bytes of VM vm's RAM (VM_LIST), rounded up to 2 MiB; 0 if unknown. */
static u64 ram_size(u32 vm)
{
	struct lowvisor_vm_list *l = kzalloc(sizeof(*l), GFP_KERNEL);
	u64 size = 0;
	u32 i;

	if (!l)
		return 0;
	while (!size && !vm_list(l) && l->count) {
		for (i = 0; i < l->count; i++)
			if (l->vms[i].id == vm)
				size = ALIGN(((u64)l->vms[i].mem_mib + 1) << 20, SZ_2M);
		l->first += l->count;
	}
	kfree(l);
	return size;
}

/*
 * Where a frontend's RAM of size bytes goes: the lowest 2 MiB-aligned IPA
 * from map_base clear of every live mapping (a revoked one's place is
 * used again), whose end this kernel's page tables reach (4 GiB without
 * LPAE: remap_pfn_range() would wrap beyond); 0 if there is none.
 */
static u64 map_place(u64 size)
{
	u64 at = ALIGN(map_base, SZ_2M);
	unsigned int i;
	bool moved;

	do {
		moved = false;
		for (i = 0; i < LOWVISOR_IOREQ_VMS; i++)
			if (maps[i].size && at < maps[i].ipa + maps[i].size &&
			    maps[i].ipa < at + size) {
				at = ALIGN(maps[i].ipa + maps[i].size, SZ_2M);
				moved = true;
			}
	} while (moved);
	if (!size || at + size - 1 < at || at + size - 1 > (u64)(phys_addr_t)~0ull)
		return 0;
	return at;
}

static long do_map(void __user *arg)
{
	struct arm_smccc_res res;
	struct lowvisor_map m;
	long pages;
	u64 at;

	if (copy_from_user(&m, arg, sizeof(m)))
		return -EFAULT;
	if (m.vm >= LOWVISOR_IOREQ_VMS)
		return -EINVAL;
	mutex_lock(&ring_lock);
	revoke_locked(); /* a revocation whose interrupt is not handled yet */
	if (!maps[m.vm].size) {
		at = map_place(ram_size(m.vm));
		/* -EAGAIN: one more block of its RAM zeroed, or it is resetting. */
		do {
			pages = at ? hvc(LOWVISOR_FN_MAP_GUEST, m.vm, (u32)(at >> PAGE_SHIFT), 0,
					 &res) : -ENOSPC;
			cond_resched();
		} while (pages == -EAGAIN && !fatal_signal_pending(current));
		if (pages < 0) {
			mutex_unlock(&ring_lock);
			return pages;
		}
		maps[m.vm].ipa = at;
		maps[m.vm].size = (u64)pages << PAGE_SHIFT;
		maps[m.vm].gen = ++map_gen ? map_gen : ++map_gen; /* never 0 */
	}
	m.gen = maps[m.vm].gen;
	m.offset = maps[m.vm].ipa;
	m.size = maps[m.vm].size;
	mutex_unlock(&ring_lock);
	return copy_to_user(arg, &m, sizeof(m)) ? -EFAULT : 0;
}

/* Only a frontend's RAM this module mapped, whole pages inside it. */
static int lowvisor_mmap(struct file *f, struct vm_area_struct *vma)
{
	u64 ipa = (u64)vma->vm_pgoff << PAGE_SHIFT, len = vma->vm_end - vma->vm_start;
	unsigned int i;

	int err = -EINVAL;

	mutex_lock(&ring_lock);
	dev_mapping = f->f_mapping;
	for (i = 0; i < LOWVISOR_IOREQ_VMS && err == -EINVAL; i++)
		if (maps[i].size && ipa >= maps[i].ipa &&
		    ipa + len <= maps[i].ipa + maps[i].size)
			err = remap_pfn_range(vma, vma->vm_start, vma->vm_pgoff, len,
					      vma->vm_page_prot);
	mutex_unlock(&ring_lock);
	return err;
}

/* The ring, if this VM backs devices: 0, or why it cannot. */
static int backend_init(void)
{
	struct device_node *np = of_find_compatible_node(NULL, NULL, "lowvisor,ioreq");
	struct arm_smccc_res res;
	long slots;
	int err;

	if (!np)
		return 0;
	map_gen = get_random_u32();
	ring_irq = irq_of_parse_and_map(np, 0);
	of_node_put(np);
	ring = (void *)get_zeroed_page(GFP_KERNEL);
	err = !ring || !ring_irq ? -ENOMEM :
	      request_irq(ring_irq, ring_interrupt, 0, "lowvisor-ioreq", NULL);
	if (!err) {
		slots = hvc(LOWVISOR_FN_IOREQ_SETUP, (u32)(virt_to_phys(ring) >> PAGE_SHIFT), 0,
			    0, &res);
		if (slots < 0)
			free_irq(ring_irq, NULL);
		err = slots < 0 ? (int)slots : 0;
	}
	if (err) {
		free_page((unsigned long)ring);
		ring = NULL;
		return err;
	}
	pr_info("lowvisor: backend of virtio devices: %ld slots\n", slots);
	return 0;
}

static void backend_exit(void)
{
	struct arm_smccc_res res;
	unsigned int i;

	if (!ring)
		return;
	hvc(LOWVISOR_FN_IOREQ_SETUP, 0, 0, 0, &res);
	for (i = 0; i < LOWVISOR_IOREQ_VMS; i++)
		if (maps[i].size)
			hvc(LOWVISOR_FN_MAP_GUEST, i, (u32)(maps[i].ipa >> PAGE_SHIFT), 1, &res);
	free_irq(ring_irq, NULL);
	cancel_work_sync(&revoke_work);
	free_page((unsigned long)ring);
	ring = NULL;
}

static long lowvisor_ioctl(struct file *f, unsigned int cmd, unsigned long arg)
{
	void __user *p = (void __user *)arg;

	switch (cmd) {
	case LOWVISOR_IRQ_LINE:
		return do_irq_line(p);
	case LOWVISOR_VM_LIST:
		return do_vm_list(p);
	case LOWVISOR_VM_PAUSE:
		return do_vm_call(LOWVISOR_FN_VM_PAUSE, p);
	case LOWVISOR_VM_RESUME:
		return do_vm_call(LOWVISOR_FN_VM_RESUME, p);
	case LOWVISOR_VM_RESET:
		return do_vm_call(LOWVISOR_FN_VM_RESET, p);
	case LOWVISOR_VM_STOP:
		return do_vm_call(LOWVISOR_FN_VM_STOP, p);
	case LOWVISOR_IOREQ_COMPLETE:
		return ring ? do_complete(p) : -ENODEV;
	case LOWVISOR_MAP_GUEST:
		return ring ? do_map(p) : -ENODEV;
	default:
		return -ENOTTY;
	}
}

static const struct file_operations lowvisor_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = lowvisor_ioctl,
	.read = lowvisor_read,
	.release = lowvisor_release,
	.poll = lowvisor_poll,
	.mmap = lowvisor_mmap,
	.llseek = noop_llseek,
};

static struct miscdevice lowvisor_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "lowvisor",
	.fops = &lowvisor_fops,
	.mode = 0600,
};

/* Are we Lowvisor's management partition?  0, or why not. */
static int check_hypervisor(void)
{
	struct arm_smccc_res res;
	struct lowvisor_vm_list *l;
	long ret;

	if (arm_smccc_1_1_get_conduit() != SMCCC_CONDUIT_HVC) {
		pr_err("lowvisor: no SMCCC 1.1 hypervisor calls (HVC) here: not a Lowvisor guest\n");
		return -ENODEV;
	}
	hvc(LOWVISOR_FN_CALL_UID, 0, 0, 0, &res);
	if (res.a0 != LOWVISOR_UID_0 || res.a1 != LOWVISOR_UID_1 || res.a2 != LOWVISOR_UID_2 ||
	    res.a3 != LOWVISOR_UID_3) {
		pr_err("lowvisor: the hypervisor is not Lowvisor (CALL_UID %08lx %08lx %08lx %08lx)\n",
		       res.a0, res.a1, res.a2, res.a3);
		return -ENODEV;
	}
	hvc(LOWVISOR_FN_REVISION, 0, 0, 0, &res);
	if (res.a0 != LOWVISOR_ABI_MAJOR || res.a1 < LOWVISOR_ABI_MINOR) {
		pr_err("lowvisor: hypervisor ABI %lu.%lu, this module speaks %u.%u\n", res.a0,
		       res.a1, LOWVISOR_ABI_MAJOR, LOWVISOR_ABI_MINOR);
		return -ENODEV;
	}
	l = kzalloc(sizeof(*l), GFP_KERNEL);
	if (!l)
		return -ENOMEM;
	ret = vm_list(l);
	if (ret == -EPERM)
		pr_err("lowvisor: this VM is not Lowvisor's management partition (VM_LIST: "
		       "permission denied); give it `management;` in the configuration\n");
	else if (ret)
		pr_err("lowvisor: VM_LIST failed: %ld\n", ret);
	else
		pr_info("lowvisor: management partition of Lowvisor (ABI %u.%u), %u VMs\n",
			LOWVISOR_ABI_MAJOR, LOWVISOR_ABI_MINOR, l->total);
	kfree(l);
	return ret ? (int)ret : 0;
}

static int __init lowvisor_init(void)
{
	int err = check_hypervisor();

	if (err)
		return err;
	err = backend_init();
	if (err) {
		pr_err("lowvisor: cannot set up the ring of forwarded accesses: %d\n", err);
		return err;
	}
	err = misc_register(&lowvisor_dev);
	if (err) {
		pr_err("lowvisor: cannot register /dev/lowvisor: %d\n", err);
		backend_exit();
	}
	return err;
}

static void __exit lowvisor_exit(void)
{
	misc_deregister(&lowvisor_dev);
	backend_exit();
}

module_init(lowvisor_init);
module_exit(lowvisor_exit);
MODULE_DESCRIPTION("Lowvisor management partition: /dev/lowvisor");
MODULE_LICENSE("Dual MIT/GPL");
