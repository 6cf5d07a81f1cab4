! ogas_mpi.h from a small Fortran MPI training server, through the installed
! module include/ogas_mpi.f90 (run under mpirun -n 2 and -n 4): a config
! error given on rank 0 reaches every rank with the breeder's message; the
! breeder created from rank 0's config and the Fortran communicator handle;
! every rank records its simulations' increments; two generation breaks in
! ORDERED mode with synchronous training give a parameter table equal bit for
! bit to the one of a single-process breeder (ogas.h, bound here) fed the
! same calls in rank order; the round-robin scatter hands each rank its ids
! with their rows (params(nb_params, n): the transpose of C's table); a
! checkpoint and restart bring the table back. The breed rank is the last.
program test_mpi_fortran
  use mpi
  use, intrinsic :: iso_c_binding
  use ogas_mpi
  implicit none

  interface ! the single-process reference, from ogas.h
    integer(c_int) function ogas_breeder_create(config_json, out, errbuf, errlen) bind(c)
      import :: c_int, c_char, c_ptr, c_size_t
      character(kind=c_char), intent(in) :: config_json(*)
      type(c_ptr), intent(out) :: out
      character(kind=c_char), intent(out) :: errbuf(*)
      integer(c_size_t), value :: errlen
    end function
    subroutine ogas_breeder_free(b) bind(c)
      import :: c_ptr
      type(c_ptr), value :: b
    end subroutine
    integer(c_int) function ogas_record_increments(b, ids, ts, vals, n, batch) bind(c)
      import :: c_int, c_ptr, c_int64_t, c_double, c_size_t
      type(c_ptr), value :: b
      integer(c_int64_t), intent(in) :: ids(*), ts(*)
      real(c_double), intent(in) :: vals(*)
      integer(c_size_t), value :: n
      integer(c_int64_t), value :: batch
    end function
    integer(c_int) function ogas_next_parameters(b, max_count, n_staged) bind(c)
      import :: c_int, c_ptr, c_int64_t, c_size_t
      type(c_ptr), value :: b
      integer(c_int64_t), value :: max_count
      integer(c_size_t), intent(out) :: n_staged
    end function
    integer(c_int) function ogas_concretize_resampled_parameters(b, last, first_id, last_id) &
      bind(c)
      import :: c_int, c_ptr, c_int64_t
      type(c_ptr), value :: b
      integer(c_int64_t), value :: last
      integer(c_int64_t), intent(out) :: first_id, last_id
    end function
    integer(c_int) function ogas_get_parameter_table(b, params, is_bred) bind(c)
      import :: c_int, c_ptr, c_double
      type(c_ptr), value :: b
      real(c_double), intent(out) :: params(*)
      integer(c_int), intent(out) :: is_bred(*)
    end function
  end interface
  interface ! libc, for the test's temporary folder
    type(c_ptr) function c_mkdtemp(template) bind(c, name='mkdtemp')
      import :: c_ptr, c_char
      character(kind=c_char), intent(inout) :: template(*)
    end function
    integer(c_int) function c_unlink(path) bind(c, name='unlink')
      import :: c_int, c_char
      character(kind=c_char), intent(in) :: path(*)
    end function
    integer(c_int) function c_rmdir(path) bind(c, name='rmdir')
      import :: c_int, c_char
      character(kind=c_char), intent(in) :: path(*)
    end function
  end interface

  character(len=*), parameter :: config = &
    '{"nb_params": 2, "l_bounds": [0, -1], "u_bounds": [1, 1], "nb_sims": 120, "seed": 3,' // &
    ' "breeder": {"async_training": false, "min_reservoir_entries": 8, "min_train_steps": 5,' // &
    ' "start_breed_ratio": 0.5, "end_breed_ratio": 0.5}, "model": {"model_dim": 16,' // &
    ' "n_blocks": 1, "timesteps": 10, "n_train_steps_per_epoch": 2},' // &
    ' "data": {"batch_size": 8, "buffer_size": 200}}'
  integer :: ierr, rank, nranks, failures, total

  failures = 0
  call MPI_Init(ierr)
  call MPI_Comm_rank(MPI_COMM_WORLD, rank, ierr)
  call MPI_Comm_size(MPI_COMM_WORLD, nranks, ierr)
  call test_errors()
  call test_ordered_equals_one_process()
  call MPI_Allreduce(failures, total, 1, MPI_INTEGER, MPI_SUM, MPI_COMM_WORLD, ierr)
  if (failures == 0) print '(a,i0,a,i0,a)', 'test_mpi_fortran (rank ', rank, ' of ', nranks, &
    '): all checks passed'
  call MPI_Finalize(ierr)
  if (total /= 0) error stop 1

contains

  subroutine check(ok, what)
    logical, intent(in) :: ok
    character(len=*), intent(in) :: what
    if (.not. ok) then
      failures = failures + 1
      print '(a,i0,2a)', 'FAIL (rank ', rank, '): ', what
    end if
  end subroutine

  ! The increments rank r reports for its simulations in generation g:
  ! losses that grow with x0, so that the breeder has a signal.
  subroutine increments_of(r, g, table, first, last, ids, ts, vals, n)
    integer, intent(in) :: r, g
    real(c_double), intent(in) :: table(:, 0:)
    integer(c_int64_t), intent(in) :: first, last
    integer(c_int64_t), intent(out) :: ids(:), ts(:)
    real(c_double), intent(out) :: vals(:)
    integer(c_size_t), intent(out) :: n
    integer(c_int64_t) :: id
    integer :: t
    n = 0
    do id = first + r, last, nranks
      do t = 0, 2
        n = n + 1
        ids(n) = id
        ts(n) = t
        vals(n) = 0.1d0 + table(1, id) * (1d0 + 0.1d0 * t) + 0.01d0 * g
      end do
    end do
  end subroutine

  subroutine test_errors()
    character(kind=c_char) :: err(512)
    type(c_ptr) :: m
    integer(c_int) :: st
    character(len=:), allocatable :: msg
    ! A typo in the config, given on rank 0 only: every rank hears the breeder's message.
    if (rank == 0) then
      st = ogas_mpi_create_f(MPI_COMM_WORLD, nranks - 1, 0, ogas_c_string( &
        '{"nb_params": 1, "l_bounds": [0], "u_bounds": [1], "nb_sims": 5,' // &
        ' "model": {"model_dimm": 8}}'), 0, m, err, size(err, kind=c_size_t))
    else
      st = ogas_mpi_create_f(MPI_COMM_WORLD, nranks - 1, 0, ogas_c_string(''), 0, m, err, &
                             size(err, kind=c_size_t))
    end if
    msg = ogas_errbuf_string(err)
    call check(st == OGAS_EINVAL, 'a bad config gives OGAS_EINVAL')
    call check(.not. c_associated(m), 'no handle after a failed create')
    call check(index(msg, 'model.model_dim') > 0, 'the message names the key: '//msg)
    st = ogas_mpi_create_from_file_f(MPI_COMM_WORLD, nranks - 1, &
                                     ogas_c_string('/nonexistent/ogas.json'), 0, m, err, &
                                     size(err, kind=c_size_t))
    msg = ogas_errbuf_string(err)
    call check(st == OGAS_EIO, 'a missing config file gives OGAS_EIO')
    call check(index(msg, '/nonexistent/ogas.json') > 0, 'the message names the file: '//msg)
  end subroutine

  subroutine test_ordered_equals_one_process()
    character(kind=c_char) :: err(512)
    type(c_ptr) :: m, ref
    integer(c_int) :: st
    real(c_double) :: table(2, 0:119), ref_table(2, 0:119), again(2, 0:119), my_params(2, 40)
    integer(c_int) :: bred(0:119), ref_bred(0:119), my_bred(40)
    integer(c_int64_t) :: ids(400), ts(400), my_ids(40), first, last, f, l, rf, rl, g2
    real(c_double) :: vals(400)
    integer(c_size_t) :: n, half, staged, ref_staged, got, k
    integer :: g, r
    character(len=256) :: dir
    character(len=:), allocatable :: text, path

    text = ''
    if (rank == 0) text = config ! read on rank 0 only
    st = ogas_mpi_create_f(MPI_COMM_WORLD, nranks - 1, 0, ogas_c_string(text), OGAS_MPI_ORDERED, &
                           m, err, size(err, kind=c_size_t))
    call check(st == OGAS_OK, 'create from rank 0''s config: '//ogas_errbuf_string(err))
    if (st /= OGAS_OK) return
    call check(ogas_mpi_nb_params(m) == 2, 'nb_params on every rank')
    call check(ogas_mpi_nb_sims(m) == 120, 'nb_sims on every rank')
    call check(ogas_mpi_rank(m) == rank, 'rank')
    call check(ogas_mpi_size(m) == nranks, 'size')
    call check(ogas_mpi_breed_rank(m) == nranks - 1, 'breed rank')
    call check((ogas_mpi_is_breed_rank(m) /= 0) .eqv. (rank == nranks - 1), 'is_breed_rank')

    st = ogas_breeder_create(ogas_c_string(config), ref, err, size(err, kind=c_size_t))
    call check(st == OGAS_OK, 'reference breeder: '//ogas_errbuf_string(err))
    call check(ogas_mpi_get_parameters(m, 0_c_int64_t, 120_c_int64_t, table, bred) == OGAS_OK, &
               'get_parameters')
    call check(ogas_get_parameter_table(ref, ref_table, ref_bred) == OGAS_OK, 'reference table')
    call check(same_bits(table, ref_table, 240), 'the initial tables are equal')
    ! Rows are (x0, x1): x0 in [0, 1], and some x1 < 0 (a transposed table would mix them).
    call check(all(table(1, :) >= 0 .and. table(1, :) <= 1) .and. any(table(2, :) < 0), &
               'params(nb_params, n) holds one row per column')

    first = 0
    last = 29
    do g = 0, 1
      ! Every rank reports its share in two calls (two batches).
      call increments_of(rank, g, table, first, last, ids, ts, vals, n)
      half = n / 2
      g2 = 2 * g
      call check(ogas_mpi_record_increments(m, ids, ts, vals, half, g2) == OGAS_OK, 'record')
      if (rank == nranks - 1) call check(ogas_mpi_progress(m) == OGAS_OK, 'progress')
      call check(ogas_mpi_record_increments(m, ids(half + 1:), ts(half + 1:), vals(half + 1:), &
                                            n - half, g2 + 1) == OGAS_OK, 'record')
      do r = 0, nranks - 1
        call increments_of(r, g, table, first, last, ids, ts, vals, n)
        half = n / 2
        call check(ogas_record_increments(ref, ids, ts, vals, half, g2) == OGAS_OK, 'ref record')
        call check(ogas_record_increments(ref, ids(half + 1:), ts(half + 1:), vals(half + 1:), &
                                          n - half, g2 + 1) == OGAS_OK, 'ref record')
      end do
      st = ogas_mpi_generation_break(m, 30_c_int64_t, last, f, l, staged)
      call check(st == OGAS_OK, 'generation break: '//ogas_mpi_errmsg_string(m))
      call check(ogas_next_parameters(ref, 30_c_int64_t, ref_staged) == OGAS_OK, 'ref next')
      call check(ogas_concretize_resampled_parameters(ref, last, rf, rl) == OGAS_OK, 'ref ids')
      call check(f == rf .and. l == rl .and. staged == ref_staged .and. f == last + 1 .and. &
                 l == last + 30, 'the break writes the same ids as one process')
      call check(ogas_mpi_get_parameters(m, 0_c_int64_t, 120_c_int64_t, table, bred) == OGAS_OK, &
                 'get_parameters')
      call check(ogas_get_parameter_table(ref, ref_table, ref_bred) == OGAS_OK, 'ref table')
      call check(same_bits(table, ref_table, 240) .and. all(bred == ref_bred), &
                 'the table after the break equals the single-process breeder''s')
      first = f
      last = l
    end do
    call check(count(bred /= 0) > 0, 'something was bred (the comparison above says little else)')

    ! Round-robin scatter of the last generation: rank r gets first+r, first+r+size, ...
    st = ogas_mpi_scatter_parameters(m, first, last, 40_c_size_t, my_ids, my_params, my_bred, got)
    call check(st == OGAS_OK, 'scatter')
    call check(got == (30 - 1 - rank) / nranks + 1, 'each rank gets its share')
    do k = 1, got
      call check(my_ids(k) == first + rank + (k - 1) * nranks, 'scattered ids')
      call check(same_bits(my_params(:, k), table(:, my_ids(k)), 2), 'scattered rows')
      call check(my_bred(k) == bred(my_ids(k)), 'scattered bred flags')
    end do
    st = ogas_mpi_scatter_parameters(m, first, last, merge(1_c_size_t, 40_c_size_t, rank == 0), &
                                     my_ids, my_params, my_bred, got)
    call check(st == OGAS_ERANGE, 'a share that does not fit: OGAS_ERANGE on every rank')
    call check(index(ogas_mpi_errmsg_string(m), 'rank 0') > 0, 'the message names the rank')

    ! Checkpoint, one more break, restart: the table comes back.
    dir = ''
    if (rank == nranks - 1) dir = temp_dir()
    call MPI_Bcast(dir, len(dir), MPI_CHARACTER, nranks - 1, MPI_COMM_WORLD, ierr)
    call check(len_trim(dir) > 0, 'a temporary folder in the directory given as argument 1')
    path = trim(dir)//'/fortran_breeder.ckpt'
    call check(ogas_mpi_checkpoint_state(m, ogas_c_string(path)) == OGAS_OK, 'checkpoint')
    call check(ogas_mpi_generation_break(m, 30_c_int64_t, last, f, l, staged) == OGAS_OK, 'break')
    call check(ogas_mpi_restart_from_checkpoint(m, ogas_c_string(path)) == OGAS_OK, 'restart')
    call check(ogas_mpi_get_parameters(m, 0_c_int64_t, 120_c_int64_t, again, bred) == OGAS_OK, &
               'get_parameters')
    call check(same_bits(again, table, 240), 'the restart brings the table back')
    call check(ogas_mpi_train_sampler(m, 3_c_int64_t) == OGAS_OK, 'train_sampler')
    call check(ogas_mpi_flush(m) == OGAS_OK, 'flush')
    call ogas_breeder_free(ref)
    call ogas_mpi_free(m)
    if (rank == nranks - 1) then
      call check(c_unlink(ogas_c_string(path)) == 0, 'the checkpoint was written')
      call check(c_rmdir(ogas_c_string(dir)) == 0, 'the temporary folder is left empty')
    end if
  end subroutine

  ! A new folder ARG1/mpi_fortran_XXXXXX (mkdtemp), or '' on failure.
  function temp_dir() result(dir)
    character(len=256) :: dir
    character(len=200) :: base
    character(kind=c_char, len=256) :: template
    call get_command_argument(1, base)
    template = trim(base)//'/mpi_fortran_XXXXXX'//c_null_char
    dir = ''
    if (len_trim(base) == 0) return
    if (c_associated(c_mkdtemp(template))) dir = template(1:index(template, c_null_char) - 1)
  end function

  ! Whether two tables hold the same doubles, bit for bit.
  logical function same_bits(a, b, n)
    integer, intent(in) :: n
    real(c_double), intent(in) :: a(n), b(n)
    same_bits = all(transfer(a, [0_c_int64_t]) == transfer(b, [0_c_int64_t]))
  end function
end program test_mpi_fortran
