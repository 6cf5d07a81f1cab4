! An MPI training server in Fortran with the OGAS breeder on one rank
! (ogas_mpi.h through the module ogas_mpi.f90): mpi_server.c, line for line.
!
! Every rank launches its share of each generation's simulations (dealt
! round-robin by ogas_mpi_scatter_parameters), reports their per-sample
! losses (forwarded to the breed rank without waiting) and takes part in the
! collective generation break. The last rank also holds the breeder. The
! "loss" stands in for a surrogate's: high near x0 = 0.8.
!
! Build against an installed ogas and run:
!   inc=$(pkg-config --variable=includedir ogas_mpi)
!   mpif90 $inc/ogas_mpi.f90 mpi_server.f90 $(pkg-config --libs ogas_mpi) -o mpi_server_f
!   mpirun -n 4 ./mpi_server_f
program mpi_server
  use mpi
  use, intrinsic :: iso_c_binding
  use ogas_mpi
  implicit none
  integer(c_int64_t), parameter :: generation_size = 100
  ! The config is known on rank 0 only (read from a file, say); it is sent
  ! to the breed rank.
  character(len=*), parameter :: config = &
    '{"nb_params": 2, "l_bounds": [0, 0], "u_bounds": [1, 1], "nb_sims": 400, "seed": 1,' // &
    ' "breeder": {"min_reservoir_entries": 64, "min_train_steps": 100},' // &
    ' "model": {"model_dim": 64, "n_blocks": 2, "timesteps": 50, "n_train_steps_per_epoch": 10}}'
  character(kind=c_char) :: err(512)
  character(len=:), allocatable :: text
  type(c_ptr) :: m
  integer :: ierr, rank, nranks, t, hard, all_hard, status
  integer(c_int64_t) :: first, last, f, l, batch, sim(8), steps(8), ids(generation_size), nb_sims
  integer(c_int) :: is_bred(generation_size)
  integer(c_size_t) :: mine, k, n_staged
  real(c_double) :: params(2, generation_size), values(8), loss

  call MPI_Init(ierr)
  call MPI_Comm_rank(MPI_COMM_WORLD, rank, ierr)
  call MPI_Comm_size(MPI_COMM_WORLD, nranks, ierr)
  text = ''
  if (rank == 0) text = config
  if (ogas_mpi_create_f(MPI_COMM_WORLD, nranks - 1, 0, ogas_c_string(text), 0, m, err, &
                        size(err, kind=c_size_t)) /= OGAS_OK) then
    if (rank == 0) print '(2a)', 'ogas: ', ogas_errbuf_string(err)
    call MPI_Finalize(ierr)
    error stop 1
  end if
  nb_sims = ogas_mpi_nb_sims(m)
  first = 0
  last = generation_size - 1
  batch = 0
  status = 0
  do while (first >= 0 .and. status == 0)
    if (ogas_mpi_scatter_parameters(m, first, last, int(generation_size, c_size_t), ids, params, &
                                    is_bred, mine) /= OGAS_OK) exit
    ! "Run" this rank's simulations: each reports 8 per-sample losses.
    hard = 0
    do k = 1, mine
      loss = exp(-10 * (params(1, k) - 0.8d0)**2)
      if (loss > 0.5d0) hard = hard + 1
      do t = 1, 8
        sim(t) = ids(k)
        steps(t) = t - 1
        values(t) = loss * (1 + 0.05d0 * (t - 1))
      end do
      if (ogas_mpi_record_increments(m, sim, steps, values, 8_c_size_t, batch) /= OGAS_OK) &
        print '(2a)', 'ogas: ', ogas_mpi_errmsg_string(m)
      batch = batch + 1
    end do
    if (ogas_mpi_is_breed_rank(m) /= 0) then
      if (ogas_mpi_progress(m) /= OGAS_OK) print '(2a)', 'ogas: ', ogas_mpi_errmsg_string(m)
    end if
    call MPI_Reduce(hard, all_hard, 1, MPI_INTEGER, MPI_SUM, 0, MPI_COMM_WORLD, ierr)
    if (rank == 0) print '(a,i0,a,i0,a,i0,a,i0,a)', 'generation: sims ', first, '..', last, &
      ' on ', nranks, ' ranks, ', all_hard, ' with a high loss'
    if (last >= nb_sims - 1) exit
    ! Collective break: the breeder resamples what has not been launched.
    if (ogas_mpi_train_sampler(m, 0_c_int64_t) /= OGAS_OK) status = 1
    if (ogas_mpi_generation_break(m, generation_size, last, f, l, n_staged) /= OGAS_OK) status = 1
    if (status /= 0 .and. rank == 0) print '(2a)', 'ogas: ', ogas_mpi_errmsg_string(m)
    first = f
    last = l
  end do
  call ogas_mpi_free(m)
  call MPI_Finalize(ierr)
  if (status /= 0) error stop 1
end program mpi_server
