# Made by `harness report` from the results on disk. Rerun from this folder to redraw
# samples.png after restyling: gnuplot samples.gp   (reads samples-images.png)
set encoding utf8
set terminal pngcairo size 1104,592 font "DejaVu Sans,15" linewidth 1.5 noenhanced
set output 'samples.png'
set datafile missing "NaN"
set grid lc rgb "#d0d0d0"
set key box opaque
unset key
unset border
unset tics
set lmargin at screen 0.266304348
set rmargin at screen 0.989130435
set bmargin at screen 0.0202702703
set tmargin at screen 0.915540541
set xrange [-0.5:798 - 0.5]
set yrange [-0.5:530 - 0.5]
set label "exemplar" at first 63.5, graph 1 center offset 0,1
set label "Gatys (lbfgs)" at first 197.5, graph 1 center offset 0,1
set label "sample 1" at first 331.5, graph 1 center offset 0,1
set label "sample 2" at first 465.5, graph 1 center offset 0,1
set label "sample 3" at first 599.5, graph 1 center offset 0,1
set label "sample 4" at first 733.5, graph 1 center offset 0,1
set label "loss=gram" at graph 0, first 465.5 right offset -1,0
set label "loss=meanStd" at graph 0, first 331.5 right offset -1,0
set label "loss=slicedWasserstein" at graph 0, first 197.5 right offset -1,0
set label "loss=mmd" at graph 0, first 63.5 right offset -1,0
plot 'samples-images.png' binary filetype=png with rgbimage
