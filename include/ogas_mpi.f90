! ogas_mpi.f90 -- Fortran interfaces to ogas_mpi.h (ISO_C_BINDING).
!
! A Fortran MPI training server compiles this module with its own compiler
! (module files are compiler-specific, so the source is what is installed)
! and links -logas_mpi -logas:
!
!   mpif90 -c $(pkg-config --variable=includedir ogas_mpi)/ogas_mpi.f90
!   mpif90 server.f90 ogas_mpi.o $(pkg-config --libs ogas_mpi)
!
! The calls, their arguments and their collective/local rules are those of
! ogas_mpi.h; see there. Fortran specifics:
!  - the communicator is the Fortran handle (MPI_COMM_WORLD of `use mpi`, or
!    comm%MPI_VAL of `use mpi_f08`), an MPI_Fint: a C int with the default
!    integer kind (not with -fdefault-integer-8);
!  - strings passed in end with C_NULL_CHAR (ogas_c_string does it), and
!    ogas_mpi_errmsg_string gives the last message as a Fortran string;
!  - parameter tables are params(nb_params, count): the C row-major
!    count x nb_params table is Fortran's column-major transpose;
!  - sizes and ids are integer(c_size_t) and integer(c_int64_t), statuses
!    integer(c_int) with OGAS_OK = 0.
module ogas_mpi
  use, intrinsic :: iso_c_binding
  implicit none

  integer(c_int), parameter :: OGAS_OK = 0, OGAS_EINVAL = 1, OGAS_ENOMEM = 2, OGAS_EIO = 3, &
                               OGAS_ECORRUPT = 4, OGAS_ESTATE = 5, OGAS_ERANGE = 6
  integer(c_int), parameter :: OGAS_MPI_EVERY_RANK = -1, OGAS_MPI_ORDERED = 1

  interface
    integer(c_int) function ogas_mpi_create_f(comm, breed_rank, config_rank, config_json, &
                                              flags, out, errbuf, errlen) bind(c)
      import :: c_int, c_char, c_ptr, c_size_t
      integer(c_int), value :: comm
      integer(c_int), value :: breed_rank, config_rank, flags
      character(kind=c_char), intent(in) :: config_json(*)
      type(c_ptr), intent(out) :: out
      character(kind=c_char), intent(out) :: errbuf(*)
      integer(c_size_t), value :: errlen
    end function

    integer(c_int) function ogas_mpi_create_from_file_f(comm, breed_rank, path, flags, out, &
                                                        errbuf, errlen) bind(c)
      import :: c_int, c_char, c_ptr, c_size_t
      integer(c_int), value :: comm
      integer(c_int), value :: breed_rank, flags
      character(kind=c_char), intent(in) :: path(*)
      type(c_ptr), intent(out) :: out
      character(kind=c_char), intent(out) :: errbuf(*)
      integer(c_size_t), value :: errlen
    end function

    subroutine ogas_mpi_free(m) bind(c)
      import :: c_ptr
      type(c_ptr), value :: m
    end subroutine

    type(c_ptr) function ogas_mpi_errmsg(m) bind(c)
      import :: c_ptr
      type(c_ptr), value :: m
    end function

    integer(c_int) function ogas_mpi_rank(m) bind(c)
      import :: c_int, c_ptr
      type(c_ptr), value :: m
    end function

    integer(c_int) function ogas_mpi_size(m) bind(c)
      import :: c_int, c_ptr
      type(c_ptr), value :: m
    end function

    integer(c_int) function ogas_mpi_breed_rank(m) bind(c)
      import :: c_int, c_ptr
      type(c_ptr), value :: m
    end function

    integer(c_int) function ogas_mpi_is_breed_rank(m) bind(c)
      import :: c_int, c_ptr
      type(c_ptr), value :: m
    end function

    integer(c_size_t) function ogas_mpi_nb_params(m) bind(c)
      import :: c_size_t, c_ptr
      type(c_ptr), value :: m
    end function

    integer(c_int64_t) function ogas_mpi_nb_sims(m) bind(c)
      import :: c_int64_t, c_ptr
      type(c_ptr), value :: m
    end function

    integer(c_int) function ogas_mpi_record_increments(m, sim_ids, time_steps, values, n, &
                                                       batch_idx) bind(c)
      import :: c_int, c_ptr, c_int64_t, c_double, c_size_t
      type(c_ptr), value :: m
      integer(c_int64_t), intent(in) :: sim_ids(*), time_steps(*)
      real(c_double), intent(in) :: values(*)
      integer(c_size_t), value :: n
      integer(c_int64_t), value :: batch_idx
    end function

    integer(c_int) function ogas_mpi_progress(m) bind(c)
      import :: c_int, c_ptr
      type(c_ptr), value :: m
    end function

    integer(c_int) function ogas_mpi_flush(m) bind(c)
      import :: c_int, c_ptr
      type(c_ptr), value :: m
    end function

    integer(c_int) function ogas_mpi_generation_break(m, max_breeding_count, &
                                                      last_submitted_sim_id, first_id, last_id, &
                                                      n_staged) bind(c)
      import :: c_int, c_ptr, c_int64_t, c_size_t
      type(c_ptr), value :: m
      integer(c_int64_t), value :: max_breeding_count, last_submitted_sim_id
      integer(c_int64_t), intent(out) :: first_id, last_id
      integer(c_size_t), intent(out) :: n_staged
    end function

    integer(c_int) function ogas_mpi_get_parameters(m, first_id, count, params, is_bred) bind(c)
      import :: c_int, c_ptr, c_int64_t, c_double
      type(c_ptr), value :: m
      integer(c_int64_t), value :: first_id, count
      real(c_double), intent(out) :: params(*)
      integer(c_int), intent(out) :: is_bred(*)
    end function

    integer(c_int) function ogas_mpi_scatter_parameters(m, first_id, last_id, capacity, ids, &
                                                        params, is_bred, n_out) bind(c)
      import :: c_int, c_ptr, c_int64_t, c_double, c_size_t
      type(c_ptr), value :: m
      integer(c_int64_t), value :: first_id, last_id
      integer(c_size_t), value :: capacity
      integer(c_int64_t), intent(out) :: ids(*)
      real(c_double), intent(out) :: params(*)
      integer(c_int), intent(out) :: is_bred(*)
      integer(c_size_t), intent(out) :: n_out
    end function

    integer(c_int) function ogas_mpi_train_sampler(m, steps) bind(c)
      import :: c_int, c_ptr, c_int64_t
      type(c_ptr), value :: m
      integer(c_int64_t), value :: steps
    end function

    integer(c_int) function ogas_mpi_checkpoint_state(m, path) bind(c)
      import :: c_int, c_ptr, c_char
      type(c_ptr), value :: m
      character(kind=c_char), intent(in) :: path(*)
    end function

    integer(c_int) function ogas_mpi_restart_from_checkpoint(m, path) bind(c)
      import :: c_int, c_ptr, c_char
      type(c_ptr), value :: m
      character(kind=c_char), intent(in) :: path(*)
    end function
  end interface

contains

  ! s without trailing blanks, ended by C_NULL_CHAR (for the text arguments).
  function ogas_c_string(s) result(c)
    character(len=*), intent(in) :: s
    character(kind=c_char, len=len_trim(s) + 1) :: c
    c = trim(s)//c_null_char
  end function

  ! ogas_mpi_errmsg(m) as a Fortran string ("" when there is none).
  function ogas_mpi_errmsg_string(m) result(s)
    type(c_ptr), intent(in) :: m
    character(len=:), allocatable :: s
    character(kind=c_char), pointer :: chars(:)
    ! Messages are shorter than this; only the characters up to the NUL are read.
    call c_f_pointer(ogas_mpi_errmsg(m), chars, [65536])
    s = ogas_errbuf_string(chars)
  end function

  ! The NUL-ended text of an errbuf as a Fortran string.
  function ogas_errbuf_string(errbuf) result(s)
    character(kind=c_char), intent(in) :: errbuf(:)
    character(len=:), allocatable :: s
    integer :: i, n
    n = 0
    do while (n < size(errbuf))
      if (errbuf(n + 1) == c_null_char) exit
      n = n + 1
    end do
    allocate (character(len=n) :: s)
    do i = 1, n
      s(i:i) = errbuf(i)
    end do
  end function
end module ogas_mpi
